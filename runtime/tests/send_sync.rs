//! The auto traits of the public types, as tokio's (its
//! `async_send_sync.rs`): each line fails to compile if a type gains or
//! loses `Send`, `Sync` or `Unpin`. (The `sync` types have their own file.)

#![allow(dead_code, clippy::extra_unused_type_parameters)]

use std::rc::Rc;

fn is_send<T: Send>() {}
fn is_sync<T: Sync>() {}
fn is_unpin<T: Unpin>() {}

/// `<T as AmbiguousIfSend<_>>::some_item()` compiles only if `T: !Send`:
/// for a `Send` type both impls apply and the call is ambiguous.
trait AmbiguousIfSend<A> {
    fn some_item() {}
}
impl<T: ?Sized> AmbiguousIfSend<()> for T {}
impl<T: ?Sized + Send> AmbiguousIfSend<u8> for T {}

trait AmbiguousIfSync<A> {
    fn some_item() {}
}
impl<T: ?Sized> AmbiguousIfSync<()> for T {}
impl<T: ?Sized + Sync> AmbiguousIfSync<u8> for T {}

trait AmbiguousIfUnpin<A> {
    fn some_item() {}
}
impl<T: ?Sized> AmbiguousIfUnpin<()> for T {}
impl<T: ?Sized + Unpin> AmbiguousIfUnpin<u8> for T {}

macro_rules! assert_value {
    ($t:ty: Send & Sync & Unpin) => {
        is_send::<$t>();
        is_sync::<$t>();
        is_unpin::<$t>();
    };
    ($t:ty: Send & Sync & !Unpin) => {
        is_send::<$t>();
        is_sync::<$t>();
        <$t as AmbiguousIfUnpin<_>>::some_item();
    };
    ($t:ty: Send & !Sync & Unpin) => {
        is_send::<$t>();
        <$t as AmbiguousIfSync<_>>::some_item();
        is_unpin::<$t>();
    };
    ($t:ty: !Send & !Sync & Unpin) => {
        <$t as AmbiguousIfSend<_>>::some_item();
        <$t as AmbiguousIfSync<_>>::some_item();
        is_unpin::<$t>();
    };
    ($t:ty: !Send & !Sync & !Unpin) => {
        <$t as AmbiguousIfSend<_>>::some_item();
        <$t as AmbiguousIfSync<_>>::some_item();
        <$t as AmbiguousIfUnpin<_>>::some_item();
    };
    ($t:ty: !Send & Sync & Unpin) => {
        <$t as AmbiguousIfSend<_>>::some_item();
        is_sync::<$t>();
        is_unpin::<$t>();
    };
}

type Nss = Rc<()>; // neither Send nor Sync
type Yss = u8; // Send and Sync

runtime::task_local! {
    static KEY: u32;
}

#[test]
fn runtime_types() {
    use runtime::runtime::*;
    assert_value!(Runtime: Send & Sync & Unpin);
    assert_value!(Builder: Send & Sync & Unpin);
    assert_value!(Handle: Send & Sync & Unpin);
    assert_value!(EnterGuard<'static>: !Send & Sync & Unpin);
    assert_value!(TryCurrentError: Send & Sync & Unpin);
    assert_value!(LocalRuntime: !Send & !Sync & Unpin);
    assert_value!(LocalOptions: Send & Sync & Unpin);
    assert_value!(RuntimeFlavor: Send & Sync & Unpin);
    assert_value!(Id: Send & Sync & Unpin);
}

#[test]
fn task_types() {
    use runtime::task::*;
    assert_value!(JoinHandle<Yss>: Send & Sync & Unpin);
    assert_value!(JoinHandle<std::cell::Cell<u8>>: Send & Sync & Unpin);
    assert_value!(JoinError: Send & Sync & Unpin);
    assert_value!(AbortHandle: Send & Sync & Unpin);
    assert_value!(JoinSet<Yss>: Send & Sync & Unpin);
    assert_value!(LocalSet: !Send & !Sync & Unpin);
    assert_value!(LocalEnterGuard: !Send & !Sync & Unpin);
    assert_value!(Id: Send & Sync & Unpin);
    assert_value!(AccessError: Send & Sync & Unpin);
    assert_value!(LocalKey<Yss>: Send & Sync & Unpin);
    assert_value!(TaskLocalFuture<Yss, std::future::Ready<()>>: Send & Sync & !Unpin);
    assert_value!(TaskLocalFuture<Nss, std::future::Ready<()>>: !Send & !Sync & !Unpin);
    assert_value!(coop::Unconstrained<std::future::Ready<()>>: Send & Sync & Unpin);
    assert_value!(coop::Coop<std::future::Ready<()>>: Send & Sync & Unpin);
    let _ = &KEY;
}

#[test]
fn time_types() {
    use runtime::time::*;
    assert_value!(Sleep: Send & Sync & !Unpin);
    // tokio's `Timeout` holds its `Sleep` inline and is `!Unpin`; ours
    // is `Unpin` when the future is: more permissive, so tokio code works.
    assert_value!(Timeout<std::future::Ready<()>>: Send & Sync & Unpin);
    assert_value!(Interval: Send & Sync & Unpin);
    assert_value!(Instant: Send & Sync & Unpin);
    assert_value!(error::Elapsed: Send & Sync & Unpin);
}

#[test]
fn net_types() {
    use runtime::net::*;
    assert_value!(TcpStream: Send & Sync & Unpin);
    assert_value!(TcpListener: Send & Sync & Unpin);
    assert_value!(TcpSocket: Send & Sync & Unpin);
    assert_value!(UdpSocket: Send & Sync & Unpin);
    assert_value!(UnixStream: Send & Sync & Unpin);
    assert_value!(UnixListener: Send & Sync & Unpin);
    assert_value!(UnixDatagram: Send & Sync & Unpin);
    assert_value!(runtime::io::AsyncFd<std::fs::File>: Send & Sync & Unpin);
}
