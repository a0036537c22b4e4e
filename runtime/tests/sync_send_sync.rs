//! The auto traits (`Send`, `Sync`, `Unpin`) of the `sync` types and of
//! their futures, checked at compile time: tokio's, one line per type.
//! This file passes by compiling; it has no test to run.
//!
//! `YY` is `Send + Sync`, `YN` only `Send`, `NN` neither. A positive trait
//! is a bound; a negative one (`!Send`) calls a method that is ambiguous,
//! a compile error, exactly when the type has the trait.
//!
//! One difference from tokio, on purpose: `Notified` is `Unpin` here (it
//! holds no intrusive list node), where tokio's is `!Unpin`. Code written
//! for tokio's pins it anyway, so it compiles with either.
#![allow(dead_code, clippy::type_complexity)]

use runtime::sync::*;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

struct YY;
struct YN(Cell<u8>);
struct NN(Rc<u8>);

type BoxFutureSync<T> = Pin<Box<dyn Future<Output = T> + Send + Sync>>;
type BoxFutureSend<T> = Pin<Box<dyn Future<Output = T> + Send>>;
type BoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

fn send<T: ?Sized + Send>(_: &T) {}
fn sync<T: ?Sized + Sync>(_: &T) {}
fn unpin<T: ?Sized + Unpin>(_: &T) {}

/// `NotSend::check(&v)` has one candidate impl if `v` is not `Send`, two
/// (an ambiguity error) if it is. Likewise for `Sync` and `Unpin`.
trait NotSend<A> {
    fn check(&self) {}
}
impl<T: ?Sized> NotSend<()> for T {}
impl<T: ?Sized + Send> NotSend<u8> for T {}

trait NotSync<A> {
    fn check(&self) {}
}
impl<T: ?Sized> NotSync<()> for T {}
impl<T: ?Sized + Sync> NotSync<u8> for T {}

trait NotUnpin<A> {
    fn check(&self) {}
}
impl<T: ?Sized> NotUnpin<()> for T {}
impl<T: ?Sized + Unpin> NotUnpin<u8> for T {}

/// Checks each listed trait of the value behind the reference `$v`.
macro_rules! checks {
    ($v:ident;) => {};
    ($v:ident; !Send $($rest:tt)*) => { NotSend::check($v); checks!($v; $($rest)*); };
    ($v:ident; !Sync $($rest:tt)*) => { NotSync::check($v); checks!($v; $($rest)*); };
    ($v:ident; !Unpin $($rest:tt)*) => { NotUnpin::check($v); checks!($v; $($rest)*); };
    ($v:ident; Send $($rest:tt)*) => { send($v); checks!($v; $($rest)*); };
    ($v:ident; Sync $($rest:tt)*) => { sync($v); checks!($v; $($rest)*); };
    ($v:ident; Unpin $($rest:tt)*) => { unpin($v); checks!($v; $($rest)*); };
}

/// `auto!(Type: Send !Sync Unpin);` asserts the traits of a type.
macro_rules! auto {
    ($t:ty: $($traits:tt)*) => {
        const _: () = {
            fn check(v: &$t) {
                checks!(v; $($traits)*);
            }
        };
    };
}

/// `auto_fut!(|args| expr => traits);` asserts the traits of the value of
/// `expr` (a future returned by an `async fn`), made from `args`.
macro_rules! auto_fut {
    (|$($arg:ident: $at:ty),*| $e:expr => $($traits:tt)*) => {
        const _: () = {
            fn check($($arg: $at),*) {
                let future = $e;
                let v = &future;
                checks!(v; $($traits)*);
            }
        };
    };
}

auto!(AcquireError: Send Sync Unpin);
auto!(TryAcquireError: Send Sync Unpin);
auto!(TryLockError: Send Sync Unpin);
auto!(SetError<YY>: Send Sync Unpin);
auto!(SetOnceError<YY>: Send Sync Unpin);

auto!(Barrier: Send Sync Unpin);
auto!(BarrierWaitResult: Send Sync Unpin);
auto!(Notify: Send Sync Unpin);
auto!(Notified<'_>: Send Sync Unpin);
auto!(futures::Notified<'_>: Send Sync Unpin);

auto!(Semaphore: Send Sync Unpin);
auto!(SemaphorePermit<'_>: Send Sync Unpin);
auto!(OwnedSemaphorePermit: Send Sync Unpin);

auto!(Mutex<NN>: !Send !Sync Unpin);
auto!(Mutex<YN>: Send Sync Unpin);
auto!(Mutex<YY>: Send Sync Unpin);
auto!(MutexGuard<'_, NN>: !Send !Sync Unpin);
auto!(MutexGuard<'_, YN>: Send !Sync Unpin);
auto!(MutexGuard<'_, YY>: Send Sync Unpin);
auto!(OwnedMutexGuard<NN>: !Send !Sync Unpin);
auto!(OwnedMutexGuard<YN>: Send !Sync Unpin);
auto!(OwnedMutexGuard<YY>: Send Sync Unpin);
auto!(MappedMutexGuard<'_, NN>: !Send !Sync Unpin);
auto!(MappedMutexGuard<'_, YN>: Send !Sync Unpin);
auto!(MappedMutexGuard<'_, YY>: Send Sync Unpin);
auto!(OwnedMappedMutexGuard<NN, NN>: !Send !Sync Unpin);
auto!(OwnedMappedMutexGuard<NN, YN>: !Send !Sync Unpin);
auto!(OwnedMappedMutexGuard<NN, YY>: !Send !Sync Unpin);
auto!(OwnedMappedMutexGuard<YN, NN>: !Send !Sync Unpin);
auto!(OwnedMappedMutexGuard<YN, YN>: Send !Sync Unpin);
auto!(OwnedMappedMutexGuard<YN, YY>: Send !Sync Unpin);
auto!(OwnedMappedMutexGuard<YY, NN>: !Send !Sync Unpin);
auto!(OwnedMappedMutexGuard<YY, YN>: Send !Sync Unpin);
auto!(OwnedMappedMutexGuard<YY, YY>: Send Sync Unpin);

auto!(RwLock<NN>: !Send !Sync Unpin);
auto!(RwLock<YN>: Send !Sync Unpin);
auto!(RwLock<YY>: Send Sync Unpin);
auto!(RwLockReadGuard<'_, NN>: !Send !Sync Unpin);
auto!(RwLockReadGuard<'_, YN>: !Send !Sync Unpin);
auto!(RwLockReadGuard<'_, YY>: Send Sync Unpin);
auto!(RwLockWriteGuard<'_, NN>: !Send !Sync Unpin);
auto!(RwLockWriteGuard<'_, YN>: !Send !Sync Unpin);
auto!(RwLockWriteGuard<'_, YY>: Send Sync Unpin);
auto!(RwLockMappedWriteGuard<'_, NN>: !Send !Sync Unpin);
auto!(RwLockMappedWriteGuard<'_, YN>: !Send !Sync Unpin);
auto!(RwLockMappedWriteGuard<'_, YY>: Send Sync Unpin);
auto!(OwnedRwLockReadGuard<NN>: !Send !Sync Unpin);
auto!(OwnedRwLockReadGuard<YN>: !Send !Sync Unpin);
auto!(OwnedRwLockReadGuard<YY>: Send Sync Unpin);
auto!(OwnedRwLockWriteGuard<NN>: !Send !Sync Unpin);
auto!(OwnedRwLockWriteGuard<YN>: !Send !Sync Unpin);
auto!(OwnedRwLockWriteGuard<YY>: Send Sync Unpin);
auto!(OwnedRwLockMappedWriteGuard<NN>: !Send !Sync Unpin);
auto!(OwnedRwLockMappedWriteGuard<YN>: !Send !Sync Unpin);
auto!(OwnedRwLockMappedWriteGuard<YY>: Send Sync Unpin);

auto!(OnceCell<NN>: !Send !Sync Unpin);
auto!(OnceCell<YN>: Send !Sync Unpin);
auto!(OnceCell<YY>: Send Sync Unpin);
auto!(SetOnce<NN>: !Send !Sync Unpin);
auto!(SetOnce<YN>: Send !Sync Unpin);
auto!(SetOnce<YY>: Send Sync Unpin);

auto_fut!(|b: &Barrier| b.wait() => Send Sync !Unpin);
auto_fut!(|m: &Mutex<NN>| m.lock() => !Send !Sync !Unpin);
auto_fut!(|m: &Mutex<YN>| m.lock() => Send Sync !Unpin);
auto_fut!(|m: &Mutex<YY>| m.lock() => Send Sync !Unpin);
auto_fut!(|m: Arc<Mutex<NN>>| m.lock_owned() => !Send !Sync !Unpin);
auto_fut!(|m: Arc<Mutex<YN>>| m.lock_owned() => Send Sync !Unpin);
auto_fut!(|m: Arc<Mutex<YY>>| m.lock_owned() => Send Sync !Unpin);
auto_fut!(|l: &RwLock<NN>| l.read() => !Send !Sync !Unpin);
auto_fut!(|l: &RwLock<NN>| l.write() => !Send !Sync !Unpin);
auto_fut!(|l: &RwLock<YN>| l.read() => !Send !Sync !Unpin);
auto_fut!(|l: &RwLock<YN>| l.write() => !Send !Sync !Unpin);
auto_fut!(|l: &RwLock<YY>| l.read() => Send Sync !Unpin);
auto_fut!(|l: &RwLock<YY>| l.write() => Send Sync !Unpin);
auto_fut!(|l: Arc<RwLock<YY>>| l.read_owned() => Send Sync !Unpin);
auto_fut!(|l: Arc<RwLock<YY>>| l.write_owned() => Send Sync !Unpin);
auto_fut!(|s: &Semaphore| s.acquire() => Send Sync !Unpin);
auto_fut!(|s: &Semaphore| s.acquire_many(2) => Send Sync !Unpin);
auto_fut!(|s: Arc<Semaphore>| s.acquire_owned() => Send Sync !Unpin);
auto_fut!(|s: Arc<Semaphore>| s.acquire_many_owned(2) => Send Sync !Unpin);
auto_fut!(|c: &OnceCell<NN>, f: fn() -> BoxFutureSync<NN>| c.get_or_init(f) => !Send !Sync !Unpin);
auto_fut!(|c: &OnceCell<YN>, f: fn() -> BoxFutureSync<YN>| c.get_or_init(f) => !Send !Sync !Unpin);
auto_fut!(|c: &OnceCell<YY>, f: fn() -> BoxFutureSync<YY>| c.get_or_init(f) => Send Sync !Unpin);
auto_fut!(|c: &OnceCell<YY>, f: fn() -> BoxFutureSend<YY>| c.get_or_init(f) => Send !Sync !Unpin);
auto_fut!(|c: &OnceCell<YY>, f: fn() -> BoxFuture<YY>| c.get_or_init(f) => !Send !Sync !Unpin);
auto_fut!(|c: &OnceCell<YY>, f: fn() -> BoxFutureSync<std::io::Result<YY>>| c.get_or_try_init(f) => Send Sync !Unpin);
auto_fut!(|c: &OnceCell<YY>, f: fn() -> BoxFutureSend<std::io::Result<YY>>| c.get_or_try_init(f) => Send !Sync !Unpin);
auto_fut!(|c: &OnceCell<YY>, f: fn() -> BoxFuture<std::io::Result<YY>>| c.get_or_try_init(f) => !Send !Sync !Unpin);
auto_fut!(|c: &SetOnce<NN>| c.wait() => !Send !Sync !Unpin);
auto_fut!(|c: &SetOnce<YN>| c.wait() => !Send !Sync !Unpin);
auto_fut!(|c: &SetOnce<YY>| c.wait() => Send Sync !Unpin);
