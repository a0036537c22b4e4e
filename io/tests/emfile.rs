//! `accept` failing with EMFILE returns the error, and the listener keeps
//! working once fds are freed. In a file of its own: it lowers the
//! process's fd limit.

mod common;

use common::{open_fds, run};
use futures_util::AsyncReadExt;
use runtime_io::net::TcpListener;
use std::io::Write;
use std::net::TcpStream as StdStream;

#[test]
fn accept_survives_emfile() {
    run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Connect first: the connection waits in the backlog.
        let mut client = StdStream::connect(addr).unwrap();
        client.write_all(b"after emfile").unwrap();

        // Lower the limit to what is open now, so accept has no fd left.
        let mut old = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `old` is a valid rlimit to write into.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut old) }, 0);
        let low = libc::rlimit {
            rlim_cur: open_fds() as libc::rlim_t,
            rlim_max: old.rlim_max,
        };
        // SAFETY: `low` is a valid rlimit.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &low) }, 0);
        // Fill whatever room is left under the limit.
        let mut fillers = Vec::new();
        loop {
            match std::fs::File::open("/dev/null") {
                Ok(file) => fillers.push(file),
                Err(e) => {
                    assert_eq!(e.raw_os_error(), Some(libc::EMFILE), "{e:?}");
                    break;
                }
            }
        }
        let err = listener.accept().await.unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::EMFILE), "{err:?}");
        drop(fillers);
        // SAFETY: `old` is the valid rlimit read above.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &old) }, 0);

        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = [0; 12];
        stream.read_exact(&mut buf).await.unwrap();
        assert_eq!(&buf, b"after emfile");
    });
}
