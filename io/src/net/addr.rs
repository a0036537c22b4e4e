//! Addresses: the sealed [`ToSocketAddrs`] trait, [`lookup_host`], and the
//! hop to the blocking pool that name resolution takes; and the reading of
//! a Unix socket path as an abstract name (`abstract_addr`).
//!
//! An address that is already a `SocketAddr`, or a string that parses as
//! one, resolves at once. Anything else goes through
//! `std::net::ToSocketAddrs` (`getaddrinfo`, which blocks) on the runtime's
//! blocking pool, and the task waits for the result through a small
//! oneshot.

use crate::context;
use crate::loom::Mutex;
use std::future::Future;
use std::io;
use std::net::{self, IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::unix::{self, ffi::OsStrExt};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// Something that can be turned into socket addresses, resolving host
/// names on the runtime's blocking pool: a `SocketAddr`, an `(ip, port)`
/// pair, a `"host:port"` string, a `(host, port)` pair, a slice of
/// `SocketAddr`s, or a reference to any of these.
///
/// This trait is sealed: it cannot be implemented outside this crate.
///
/// ```
/// use runtime::net::UdpSocket;
/// use std::net::{Ipv4Addr, SocketAddr};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// // Each of these names the same kind of address.
/// let a = UdpSocket::bind("127.0.0.1:0").await?;
/// let b = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?;
/// let c = UdpSocket::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
/// let d = UdpSocket::bind(&[SocketAddr::from(([127, 0, 0, 1], 0))][..]).await?;
/// for s in [&a, &b, &c, &d] {
///     assert!(s.local_addr()?.ip().is_loopback());
/// }
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub trait ToSocketAddrs: sealed::ToSocketAddrsPriv {}

pub(crate) mod sealed {
    use super::Resolve;

    /// The hidden half of [`ToSocketAddrs`](super::ToSocketAddrs).
    pub trait ToSocketAddrsPriv {
        /// The addresses, or the blocking job that finds them.
        fn to_resolve(&self) -> Resolve;
    }
}

type Addrs = io::Result<Vec<SocketAddr>>;

/// How an address resolves: at once, or by a blocking job.
#[allow(missing_debug_implementations)]
pub enum Resolve {
    /// Known already.
    Ready(Addrs),
    /// Needs name resolution, which blocks.
    Blocking(Box<dyn FnOnce() -> Addrs + Send>),
}

macro_rules! ready_impl {
    ($($t:ty),*) => {$(
        impl ToSocketAddrs for $t {}
        impl sealed::ToSocketAddrsPriv for $t {
            fn to_resolve(&self) -> Resolve {
                Resolve::Ready(Ok(vec![SocketAddr::from(*self)]))
            }
        }
    )*};
}

ready_impl!(
    SocketAddr,
    SocketAddrV4,
    SocketAddrV6,
    (IpAddr, u16),
    (Ipv4Addr, u16),
    (Ipv6Addr, u16),
    ([u8; 4], u16),
    ([u16; 8], u16)
);

impl ToSocketAddrs for [SocketAddr] {}
impl sealed::ToSocketAddrsPriv for [SocketAddr] {
    fn to_resolve(&self) -> Resolve {
        Resolve::Ready(Ok(self.to_vec()))
    }
}

impl ToSocketAddrs for str {}
impl sealed::ToSocketAddrsPriv for str {
    fn to_resolve(&self) -> Resolve {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return Resolve::Ready(Ok(vec![addr]));
        }
        let host = self.to_owned();
        Resolve::Blocking(Box::new(move || {
            net::ToSocketAddrs::to_socket_addrs(&host).map(Iterator::collect)
        }))
    }
}

impl ToSocketAddrs for String {}
impl sealed::ToSocketAddrsPriv for String {
    fn to_resolve(&self) -> Resolve {
        self.as_str().to_resolve()
    }
}

impl ToSocketAddrs for (&str, u16) {}
impl sealed::ToSocketAddrsPriv for (&str, u16) {
    fn to_resolve(&self) -> Resolve {
        let (host, port) = *self;
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Resolve::Ready(Ok(vec![SocketAddr::new(ip, port)]));
        }
        let host = host.to_owned();
        Resolve::Blocking(Box::new(move || {
            net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port)).map(Iterator::collect)
        }))
    }
}

impl ToSocketAddrs for (String, u16) {}
impl sealed::ToSocketAddrsPriv for (String, u16) {
    fn to_resolve(&self) -> Resolve {
        (self.0.as_str(), self.1).to_resolve()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {}
impl<T: ToSocketAddrs + ?Sized> sealed::ToSocketAddrsPriv for &T {
    fn to_resolve(&self) -> Resolve {
        (**self).to_resolve()
    }
}

/// Resolves `addr` to its socket addresses, running name resolution (if
/// any) on the runtime's blocking pool.
///
/// ```
/// use std::net::SocketAddr;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// // A literal address needs no resolver.
/// let addrs: Vec<SocketAddr> = runtime::net::lookup_host("127.0.0.1:8080").await?.collect();
/// assert_eq!(addrs, ["127.0.0.1:8080".parse::<SocketAddr>().unwrap()]);
///
/// // A host name is resolved on the blocking pool.
/// for addr in runtime::net::lookup_host("localhost:443").await? {
///     assert!(addr.ip().is_loopback());
///     assert_eq!(addr.port(), 443);
/// }
///
/// let err = runtime::net::lookup_host("no port here").await.err().unwrap();
/// assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
///
/// # Errors
///
/// `InvalidInput` for an address that does not parse, or the resolver's
/// error.
///
/// # Panics
///
/// If `addr` needs name resolution and this is not inside a runtime with
/// IO.
pub async fn lookup_host(addr: impl ToSocketAddrs) -> io::Result<impl Iterator<Item = SocketAddr>> {
    resolve(&addr).await.map(Vec::into_iter)
}

/// Resolves `addr`; see [`lookup_host`].
pub(crate) async fn resolve<A: ToSocketAddrs + ?Sized>(addr: &A) -> Addrs {
    match addr.to_resolve() {
        Resolve::Ready(addrs) => addrs,
        Resolve::Blocking(job) => {
            let handle = context::handle();
            let shared = Arc::new(Mutex::new(Oneshot::default()));
            let sender = Sender {
                shared: Some(shared.clone()),
            };
            handle.spawn_blocking(Box::new(move || sender.send(job())));
            Receiver { shared }.await
        }
    }
}

/// Runs `op` on each address of `addr` in turn until one succeeds; returns
/// the last error if none does.
pub(crate) async fn each_addr<A, R, F, Fut>(addr: &A, mut op: F) -> io::Result<R>
where
    A: ToSocketAddrs + ?Sized,
    F: FnMut(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<R>>,
{
    let mut last_error = None;
    for addr in resolve(addr).await? {
        match op(addr).await {
            Ok(r) => return Ok(r),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "could not resolve to any address",
        )
    }))
}

#[derive(Default)]
struct Oneshot {
    value: Option<Addrs>,
    waker: Option<Waker>,
}

/// The blocking job's end: sends the result; if the job is dropped
/// without running (the pool shut down), sends an error instead, so the
/// waiting task does not hang.
struct Sender {
    shared: Option<Arc<Mutex<Oneshot>>>,
}

impl Sender {
    fn send(mut self, value: Addrs) {
        if let Some(shared) = self.shared.take() {
            complete(&shared, value);
        }
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            complete(
                &shared,
                Err(io::Error::other(
                    "name resolution did not run: the runtime's blocking pool shut down",
                )),
            );
        }
    }
}

fn complete(shared: &Mutex<Oneshot>, value: Addrs) {
    let mut state = shared.lock();
    state.value = Some(value);
    let waker = state.waker.take();
    drop(state);
    if let Some(waker) = waker {
        waker.wake();
    }
}

struct Receiver {
    shared: Arc<Mutex<Oneshot>>,
}

impl Future for Receiver {
    type Output = Addrs;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Addrs> {
        let mut state = self.shared.lock();
        match state.value.take() {
            Some(value) => Poll::Ready(value),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// The abstract Unix socket address `path` names, if it names one: a path
/// whose first byte is NUL (`"\0name"`) stands for the Linux abstract
/// name made of the bytes after it, as in tokio and the C API. `None` for
/// any other path, which the caller uses as a filesystem path.
///
/// # Errors
///
/// `InvalidInput` for an abstract name on an OS other than Linux and
/// Android, which have no abstract names, or for a name too long for a
/// socket address.
pub(crate) fn abstract_addr(path: &Path) -> io::Result<Option<unix::net::SocketAddr>> {
    match path.as_os_str().as_bytes() {
        [0, name @ ..] => abstract_name(name).map(Some),
        _ => Ok(None),
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn abstract_name(name: &[u8]) -> io::Result<unix::net::SocketAddr> {
    #[cfg(target_os = "android")]
    use std::os::android::net::SocketAddrExt;
    #[cfg(target_os = "linux")]
    use std::os::linux::net::SocketAddrExt;
    unix::net::SocketAddr::from_abstract_name(name)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn abstract_name(_name: &[u8]) -> io::Result<unix::net::SocketAddr> {
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        "abstract Unix socket names (a path starting with a NUL byte) \
         exist only on Linux and Android",
    ))
}
