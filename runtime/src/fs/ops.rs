//! The free functions: each is std's function of the same name, run on the
//! blocking pool (one hop), with the same errors.

use super::asyncify;
use std::fs::{Metadata, Permissions};
use std::io;
use std::path::{Path, PathBuf};

/// Reads the whole file at `path` ([`std::fs::read`]).
///
/// ```
/// use runtime::fs;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = std::env::temp_dir().join(format!("runtime-doc-read-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("data.bin");
/// fs::write(&path, [1u8, 2, 3]).await?;
/// assert_eq!(fs::read(&path).await?, [1, 2, 3]);
/// let missing = fs::read(dir.join("nope")).await.unwrap_err();
/// assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// `NotFound` if there is no such file, `PermissionDenied` if it may not
/// be read, and whatever else `open` and `read` return.
pub async fn read(path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read(path)).await
}

/// Reads the whole file at `path` as UTF-8 ([`std::fs::read_to_string`]).
///
/// ```
/// use runtime::fs;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = std::env::temp_dir().join(format!("runtime-doc-read-to-string-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("notes.txt");
/// fs::write(&path, "line one\nline two\n").await?;
/// let text = fs::read_to_string(&path).await?;
/// assert_eq!(text.lines().count(), 2);
/// fs::write(&path, [0xff, 0xfe]).await?; // not UTF-8
/// let err = fs::read_to_string(&path).await.unwrap_err();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// As [`read`], and `InvalidData` if the contents are not UTF-8.
pub async fn read_to_string(path: impl AsRef<Path>) -> io::Result<String> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_to_string(path)).await
}

/// Creates or truncates the file at `path` and writes `contents` to it
/// ([`std::fs::write`]). The bytes are copied once, to move them to the
/// blocking thread.
///
/// ```
/// use runtime::fs;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = std::env::temp_dir().join(format!("runtime-doc-write-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("out.txt");
/// fs::write(&path, "first").await?;
/// fs::write(&path, "second").await?; // truncates
/// assert_eq!(fs::read_to_string(&path).await?, "second");
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// `NotFound` if the parent directory does not exist, `PermissionDenied`
/// if it may not be written, and whatever else `open` and `write` return.
pub async fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    let contents = contents.as_ref().to_owned();
    asyncify(move || std::fs::write(path, contents)).await
}

/// Copies the contents and permissions of the file `from` to `to`,
/// returning the number of bytes copied ([`std::fs::copy`]).
///
/// ```
/// use runtime::fs;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = std::env::temp_dir().join(format!("runtime-doc-copy-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// fs::write(dir.join("a"), "payload").await?;
/// assert_eq!(fs::copy(dir.join("a"), dir.join("b")).await?, 7);
/// assert_eq!(fs::read_to_string(dir.join("b")).await?, "payload");
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn copy(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<u64> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::copy(from, to)).await
}

/// Renames `from` to `to`, replacing `to` if it is a file
/// ([`std::fs::rename`]).
///
/// ```
/// use runtime::fs;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = std::env::temp_dir().join(format!("runtime-doc-rename-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// fs::write(dir.join("draft"), "text").await?;
/// fs::rename(dir.join("draft"), dir.join("final")).await?;
/// assert!(!fs::try_exists(dir.join("draft")).await?);
/// assert_eq!(fs::read_to_string(dir.join("final")).await?, "text");
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn rename(from: impl AsRef<Path>, to: impl AsRef<Path>) -> io::Result<()> {
    let (from, to) = (from.as_ref().to_owned(), to.as_ref().to_owned());
    asyncify(move || std::fs::rename(from, to)).await
}

/// Removes the file at `path` ([`std::fs::remove_file`]).
///
/// ```
/// use runtime::fs;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = std::env::temp_dir().join(format!("runtime-doc-remove-file-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("tmp");
/// fs::write(&path, "").await?;
/// fs::remove_file(&path).await?;
/// assert!(!fs::try_exists(&path).await?);
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn remove_file(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_file(path)).await
}

/// Removes the empty directory at `path` ([`std::fs::remove_dir`]).
pub async fn remove_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir(path)).await
}

/// Removes the directory at `path` and everything in it
/// ([`std::fs::remove_dir_all`]).
pub async fn remove_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::remove_dir_all(path)).await
}

/// Creates the directory `path`; its parent must exist
/// ([`std::fs::create_dir`]). See [`DirBuilder`](super::DirBuilder) for the
/// mode.
///
/// ```
/// use runtime::fs;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = std::env::temp_dir().join(format!("runtime-doc-create-dir-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let sub = dir.join("sub");
/// fs::create_dir(&sub).await?;
/// let again = fs::create_dir(&sub).await.unwrap_err();
/// assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
/// let orphan = fs::create_dir(dir.join("no/parent")).await.unwrap_err();
/// assert_eq!(orphan.kind(), std::io::ErrorKind::NotFound);
/// fs::remove_dir(&sub).await?; // empty: removable
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
///
/// # Errors
/// `AlreadyExists` if `path` exists, `NotFound` if its parent does not.
pub async fn create_dir(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir(path)).await
}

/// Creates the directory `path` and any missing parents; an existing
/// directory is no error ([`std::fs::create_dir_all`]).
///
/// ```
/// use runtime::fs;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = std::env::temp_dir().join(format!("runtime-doc-create-dir-all-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let deep = dir.join("a/b/c");
/// fs::create_dir_all(&deep).await?;
/// fs::create_dir_all(&deep).await?; // no error the second time
/// assert!(fs::metadata(&deep).await?.is_dir());
/// fs::remove_dir_all(dir.join("a")).await?; // and everything below
/// assert!(!fs::try_exists(dir.join("a")).await?);
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn create_dir_all(path: impl AsRef<Path>) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::create_dir_all(path)).await
}

/// The metadata of `path`, following symlinks ([`std::fs::metadata`]).
///
/// ```
/// use runtime::fs;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = std::env::temp_dir().join(format!("runtime-doc-metadata-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("sized");
/// fs::write(&path, [0u8; 10]).await?;
/// let meta = fs::metadata(&path).await?;
/// assert!(meta.is_file());
/// assert_eq!(meta.len(), 10);
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::metadata(path)).await
}

/// The metadata of `path` itself, not of what a symlink points to
/// ([`std::fs::symlink_metadata`]).
pub async fn symlink_metadata(path: impl AsRef<Path>) -> io::Result<Metadata> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::symlink_metadata(path)).await
}

/// The absolute path of `path`, with every symlink, `.` and `..` resolved
/// ([`std::fs::canonicalize`]).
pub async fn canonicalize(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::canonicalize(path)).await
}

/// Makes `dst` a new hard link to the file `src` ([`std::fs::hard_link`]).
pub async fn hard_link(src: impl AsRef<Path>, dst: impl AsRef<Path>) -> io::Result<()> {
    let (src, dst) = (src.as_ref().to_owned(), dst.as_ref().to_owned());
    asyncify(move || std::fs::hard_link(src, dst)).await
}

/// Makes `link` a symbolic link to `original`
/// ([`std::os::unix::fs::symlink`]); `original` need not exist.
pub async fn symlink(original: impl AsRef<Path>, link: impl AsRef<Path>) -> io::Result<()> {
    let (original, link) = (original.as_ref().to_owned(), link.as_ref().to_owned());
    asyncify(move || std::os::unix::fs::symlink(original, link)).await
}

/// What the symbolic link `path` points to ([`std::fs::read_link`]).
pub async fn read_link(path: impl AsRef<Path>) -> io::Result<PathBuf> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::read_link(path)).await
}

/// Sets the permissions of `path` ([`std::fs::set_permissions`]).
pub async fn set_permissions(path: impl AsRef<Path>, perm: Permissions) -> io::Result<()> {
    let path = path.as_ref().to_owned();
    asyncify(move || std::fs::set_permissions(path, perm)).await
}

/// Whether `path` exists, following symlinks ([`std::fs::exists`]): `Ok(false)`
/// for a path that is not there (or a broken symlink), an error when
/// existence cannot be told (a parent directory may not be searched).
///
/// ```
/// use runtime::fs;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// # let dir = std::env::temp_dir().join(format!("runtime-doc-try-exists-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// assert!(fs::try_exists(&dir).await?);
/// assert!(!fs::try_exists(dir.join("missing")).await?);
/// # std::fs::remove_dir_all(&dir)?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn try_exists(path: impl AsRef<Path>) -> io::Result<bool> {
    let path = path.as_ref().to_owned();
    asyncify(move || path.try_exists()).await
}
