//! Every fd a net type or the runtime's reactor opens is closed when it is
//! dropped. In a file of its own: /proc/self/fd counts the whole process,
//! and the tests of one file run in parallel.

use runtime::io::AsyncWriteExt;
use runtime::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream};
use runtime::Builder;

/// How many fds this process has open.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

#[test]
fn fds_are_closed_on_drop_and_with_the_runtime() {
    for flavor in ["current_thread", "multi_thread"] {
        let before = open_fds();
        let path = std::env::temp_dir().join(format!(
            "runtime-net-fds-{}-{flavor}.sock",
            std::process::id()
        ));
        let _ = std::fs::remove_file(&path);
        let rt = match flavor {
            "current_thread" => Builder::new_current_thread().enable_all().build(),
            _ => Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build(),
        }
        .unwrap();
        rt.block_on(async {
            let during_start = open_fds();
            {
                let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let mut streams = Vec::new();
                for _ in 0..20 {
                    let connect = runtime::spawn(TcpStream::connect(addr));
                    let (accepted, _) = listener.accept().await.unwrap();
                    let mut client = connect.await.unwrap().unwrap();
                    client.write_all(b"x").await.unwrap();
                    streams.push(client);
                    streams.push(accepted);
                }
                // Halves close the fd once both are gone.
                let (read, write) = streams.pop().unwrap().into_split();
                drop(write);
                drop(read);
                // Sockets moved into tasks that finish.
                let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                runtime::spawn(async move { udp.local_addr().unwrap() })
                    .await
                    .unwrap();
                let _unix_listener = UnixListener::bind(&path).unwrap();
                let _pair = UnixStream::pair().unwrap();
                let _dgram = UnixDatagram::pair().unwrap();
                assert!(open_fds() >= during_start + 40, "{flavor}");
            }
            assert_eq!(open_fds(), during_start, "{flavor}: net types leaked fds");
        });
        drop(rt);
        std::fs::remove_file(&path).unwrap();
        // The reactor's fds (epoll, eventfd) are gone with the runtime.
        assert_eq!(open_fds(), before, "{flavor}: the runtime leaked fds");
    }
}
