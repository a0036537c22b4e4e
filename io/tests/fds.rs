//! Every fd a net type or the reactor opens is closed on drop. In a file of
//! its own: /proc/self/fd counts the whole process, and tests of one file
//! run in parallel.

mod common;

use common::{open_fds, run, temp_path};
use futures_util::future::join;
use futures_util::AsyncWriteExt;
use runtime_io::net::{TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream};

#[test]
fn fds_are_closed_on_drop() {
    let before = open_fds();
    let path = temp_path("fds");
    run(async {
        let during_start = open_fds();
        {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut streams = Vec::new();
            for _ in 0..20 {
                let (client, accepted) = join(TcpStream::connect(addr), listener.accept()).await;
                let mut client = client.unwrap();
                client.write_all(b"x").await.unwrap();
                streams.push(client);
                streams.push(accepted.unwrap().0);
            }
            let (read, write) = streams.pop().unwrap().into_split();
            drop(write);
            drop(read);
            let _udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let _unix_listener = UnixListener::bind(&path).unwrap();
            let _pair = UnixStream::pair().unwrap();
            let _dgram = UnixDatagram::pair().unwrap();
            assert!(open_fds() >= during_start + 40);
        }
        assert_eq!(open_fds(), during_start);
    });
    std::fs::remove_file(&path).unwrap();
    // The reactor (epoll, eventfd, timerfd) and its thread are gone too.
    assert_eq!(open_fds(), before);
}
