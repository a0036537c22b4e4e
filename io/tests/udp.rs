//! UDP: round trips, connected and not.

mod common;

use common::run;
use futures_util::future::join;
use runtime_io::net::UdpSocket;
use std::io;

#[test]
fn udp_round_trip() {
    run(async {
        let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let server_addr = server.local_addr().unwrap();
        let client_addr = client.local_addr().unwrap();
        let echo = async {
            let mut buf = [0; 64];
            for _ in 0..10 {
                let (n, from) = server.recv_from(&mut buf).await.unwrap();
                assert_eq!(from, client_addr);
                server.send_to(&buf[..n], from).await.unwrap();
            }
        };
        let ping = async {
            let mut buf = [0; 64];
            for i in 0..10u8 {
                client.send_to(&[i; 7], server_addr).await.unwrap();
                let (n, from) = client.recv_from(&mut buf).await.unwrap();
                assert_eq!((n, from), (7, server_addr));
                assert_eq!(buf[..n], [i; 7]);
            }
        };
        join(echo, ping).await;
    });
}

#[test]
fn connected_udp_send_recv_and_try() {
    run(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        a.connect(b.local_addr().unwrap()).await.unwrap();
        b.connect(a.local_addr().unwrap()).await.unwrap();
        assert_eq!(a.peer_addr().unwrap(), b.local_addr().unwrap());
        assert_eq!(a.send(b"ping").await.unwrap(), 4);
        let mut buf = [0; 16];
        assert_eq!(b.recv(&mut buf).await.unwrap(), 4);
        assert_eq!(&buf[..4], b"ping");
        let err = b.try_recv(&mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        b.writable().await.unwrap();
        assert_eq!(b.try_send(b"pong").unwrap(), 4);
        a.readable().await.unwrap();
        assert_eq!(a.try_recv(&mut buf).unwrap(), 4);
        assert_eq!(&buf[..4], b"pong");
        a.set_ttl(9).unwrap();
        assert_eq!(a.ttl().unwrap(), 9);
        a.set_broadcast(true).unwrap();
        assert!(a.broadcast().unwrap());
        let std = a.into_std().unwrap();
        let a = UdpSocket::from_std(std).unwrap();
        a.send(b"again").await.unwrap();
        assert_eq!(b.recv(&mut buf).await.unwrap(), 5);
    });
}

#[test]
fn udp_bind_in_use_and_bad_address() {
    run(async {
        let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let err = UdpSocket::bind(a.local_addr().unwrap()).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        let err = UdpSocket::bind("nonsense").await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    });
}
