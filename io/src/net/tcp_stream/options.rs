//! `TcpStream`'s socket options: `TCP_NODELAY`, `IP_TTL`, `SO_LINGER`,
//! `SO_ERROR`.

use super::TcpStream;
use socket2::SockRef;
use std::io;
use std::time::Duration;

impl TcpStream {
    /// Whether `TCP_NODELAY` is set.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm when `true`).
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let mut peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// # let (stream, _) = listener.accept().await?;
    /// stream.set_nodelay(true)?;
    /// assert!(stream.nodelay()?);
    /// stream.set_ttl(64)?;
    /// assert_eq!(stream.ttl()?, 64);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// The `IP_TTL` option.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets the `IP_TTL` option.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The `SO_LINGER` option: `None` if off, else how long closing the
    /// socket may wait for unsent data.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        SockRef::from(self.io.get_ref()).linger()
    }

    /// Sets the `SO_LINGER` option. With a non-zero duration, dropping the
    /// stream blocks the thread (a worker) in `close(2)` until the unsent
    /// data is out or the time is up, which is why tokio deprecates this
    /// method; prefer `shutdown` then reading to the end.
    /// `Some(Duration::ZERO)` does not block: see
    /// [`set_zero_linger`](Self::set_zero_linger).
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_linger(linger)
    }

    /// Sets `SO_LINGER` to zero: dropping the stream then aborts the
    /// connection (the peer gets a reset, unsent data is discarded, no
    /// `TIME_WAIT`) without blocking.
    pub fn set_zero_linger(&self) -> io::Result<()> {
        self.set_linger(Some(Duration::ZERO))
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}
