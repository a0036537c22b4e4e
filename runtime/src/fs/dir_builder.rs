//! [`DirBuilder`]: tokio's, over [`std::fs::DirBuilder`].

use super::asyncify;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

/// Creates directories with options: recursive or not, and a Unix mode.
///
/// ```
/// use runtime::fs::DirBuilder;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("runtime-dirbuilder-doc-{}", std::process::id()));
/// DirBuilder::new().recursive(true).mode(0o750).create(dir.join("a/b")).await?;
/// assert!(runtime::fs::metadata(dir.join("a/b")).await?.is_dir());
/// runtime::fs::remove_dir_all(&dir).await?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Default)]
pub struct DirBuilder {
    recursive: bool,
    mode: Option<u32>,
}

impl DirBuilder {
    /// A builder for one directory (not recursive), with mode `0o777`
    /// before the process's umask.
    pub fn new() -> DirBuilder {
        DirBuilder::default()
    }

    /// Whether missing parents are created too; an existing directory is
    /// then no error.
    pub fn recursive(&mut self, recursive: bool) -> &mut Self {
        self.recursive = recursive;
        self
    }

    /// The mode of the directories created (the umask still applies).
    pub fn mode(&mut self, mode: u32) -> &mut Self {
        self.mode = Some(mode);
        self
    }

    /// Creates `path` with these options ([`std::fs::DirBuilder::create`]).
    ///
    /// # Errors
    /// Not recursive: `AlreadyExists` if `path` exists, `NotFound` if its
    /// parent does not. Either way, `PermissionDenied` if a parent may not
    /// be written.
    pub async fn create(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref().to_owned();
        let mut std = std::fs::DirBuilder::new();
        std.recursive(self.recursive);
        if let Some(mode) = self.mode {
            std.mode(mode);
        }
        asyncify(move || std.create(path)).await
    }
}
