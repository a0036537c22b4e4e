//! A dump line's "waits on ...": [`WaitsOn`] in words, asking the OS what
//! an fd is (a socket's kind and addresses).

use runtime_coop::wait::WaitsOn;
use std::time::Instant;

/// A phrase for a task that waits on `w`: `sleep until +40 ms`,
/// `TCP read from 127.0.0.1:5000`, `accept on 127.0.0.1:8080`,
/// `read on fd 5`. An fd closed (or reused) since the wait was recorded
/// gives what the OS says of it now, never a panic.
pub(crate) fn describe(w: WaitsOn) -> String {
    match w {
        WaitsOn::Sleep { deadline } => {
            let now = Instant::now();
            if deadline >= now {
                format!("sleep until +{} ms", (deadline - now).as_millis())
            } else {
                format!("sleep, due {} ms ago", (now - deadline).as_millis())
            }
        }
        WaitsOn::Io { fd, read } => describe_fd(fd, read),
        other => other.to_string(),
    }
}

fn describe_fd(fd: i32, read: bool) -> String {
    let plain = || format!("{} on fd {fd}", if read { "read" } else { "write" });
    let Some(socket) = Socket::of(fd) else {
        return plain();
    };
    if socket.listening {
        return match socket.local {
            Some(local) => format!("accept on {local}"),
            None => format!("accept on fd {fd}"),
        };
    }
    let kind = match (socket.domain, socket.stream) {
        (libc::AF_UNIX, _) => "Unix",
        (_, true) => "TCP",
        (_, false) => "UDP",
    };
    let op = match (socket.stream, read) {
        (true, true) => "read",
        (true, false) => "write",
        (false, true) => "recv",
        (false, false) => "send",
    };
    match (socket.peer, socket.local, read) {
        (Some(peer), _, true) => format!("{kind} {op} from {peer}"),
        (Some(peer), _, false) => format!("{kind} {op} to {peer}"),
        (None, Some(local), _) => format!("{kind} {op} on {local}"),
        (None, None, _) => format!("{kind} {op} on fd {fd}"),
    }
}

/// What `getsockopt` and `get{sock,peer}name` say of an fd.
struct Socket {
    domain: i32,
    stream: bool,
    listening: bool,
    local: Option<String>,
    peer: Option<String>,
}

impl Socket {
    fn of(fd: i32) -> Option<Socket> {
        let sock_type = sockopt(fd, libc::SO_TYPE)?;
        let domain = sockopt(fd, libc::SO_DOMAIN)?;
        Some(Socket {
            domain,
            stream: sock_type == libc::SOCK_STREAM,
            listening: sockopt(fd, libc::SO_ACCEPTCONN) == Some(1),
            local: name(fd, libc::getsockname),
            peer: name(fd, libc::getpeername),
        })
    }
}

fn sockopt(fd: i32, opt: libc::c_int) -> Option<i32> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are valid for writes of the sizes given; a
    // bad fd makes the call fail, which is handled.
    let rc =
        unsafe { libc::getsockopt(fd, libc::SOL_SOCKET, opt, (&raw mut value).cast(), &mut len) };
    (rc == 0).then_some(value)
}

type NameFn = unsafe extern "C" fn(i32, *mut libc::sockaddr, *mut libc::socklen_t) -> i32;

fn name(fd: i32, get: NameFn) -> Option<String> {
    // SAFETY: an all-zero `sockaddr_storage` is valid.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: `storage` is large enough for any address and `len` says so;
    // a bad fd makes the call fail, which is handled.
    let rc = unsafe { get(fd, (&raw mut storage).cast(), &mut len) };
    if rc != 0 {
        return None;
    }
    match i32::from(storage.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a `sockaddr_in`.
            let a: libc::sockaddr_in = unsafe { *(&raw const storage).cast() };
            let ip = std::net::Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr));
            Some(format!("{ip}:{}", u16::from_be(a.sin_port)))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says the storage holds a `sockaddr_in6`.
            let a: libc::sockaddr_in6 = unsafe { *(&raw const storage).cast() };
            let ip = std::net::Ipv6Addr::from(a.sin6_addr.s6_addr);
            Some(format!("[{ip}]:{}", u16::from_be(a.sin6_port)))
        }
        libc::AF_UNIX => {
            // SAFETY: the family says the storage holds a `sockaddr_un`.
            let a: libc::sockaddr_un = unsafe { *(&raw const storage).cast() };
            let header = std::mem::size_of::<libc::sa_family_t>();
            let n = (len as usize).saturating_sub(header).min(a.sun_path.len());
            let path: Vec<u8> = a.sun_path[..n]
                .iter()
                .map(|&c| c as u8)
                .take_while(|&c| c != 0)
                .collect();
            (!path.is_empty()).then(|| String::from_utf8_lossy(&path).into_owned())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn sockets_are_named_by_kind_and_address() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let w = |fd, read| describe(WaitsOn::Io { fd, read });
        assert_eq!(w(listener.as_raw_fd(), true), format!("accept on {addr}"));
        let client = std::net::TcpStream::connect(addr).unwrap();
        assert_eq!(w(client.as_raw_fd(), true), format!("TCP read from {addr}"));
        assert_eq!(w(client.as_raw_fd(), false), format!("TCP write to {addr}"));
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let local = udp.local_addr().unwrap();
        assert_eq!(w(udp.as_raw_fd(), true), format!("UDP recv on {local}"));
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        assert_eq!(
            w(a.as_raw_fd(), true),
            "Unix read on fd ".to_string() + &a.as_raw_fd().to_string()
        );
        // Not a socket, or not open: the plain phrase.
        assert_eq!(w(0x7fff_0000, true), "read on fd 2147418112");
    }
}
