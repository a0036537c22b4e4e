//! The readiness word's rules, on a bare [`Source`] (no reactor, no fd).

use super::*;

fn cx() -> Context<'static> {
    Context::from_waker(Waker::noop())
}

fn read() -> Ready {
    Direction::Read.mask()
}

fn write() -> Ready {
    Direction::Write.mask()
}

fn ready(source: &Source, direction: Direction, guess: Guess) -> Option<ReadyEvent> {
    match source.poll_ready(direction, guess, &mut cx()) {
        Poll::Ready(event) => Some(event.unwrap()),
        Poll::Pending => None,
    }
}

#[test]
fn starts_ready_and_a_clear_with_the_same_tick_clears() {
    let source = Source::new(0, Initial::Optimistic);
    let r = ready(&source, Direction::Read, Guess::Take).unwrap();
    let w = ready(&source, Direction::Write, Guess::Take).unwrap();
    source.clear_readiness(r);
    assert!(ready(&source, Direction::Read, Guess::Take).is_none());
    // The other direction is untouched.
    assert_eq!(ready(&source, Direction::Write, Guess::Take), Some(w));
}

#[test]
fn the_initial_guess_is_not_reported_until_an_event_confirms_it() {
    let source = Source::new(0, Initial::Optimistic);
    let mut wakers = Vec::new();
    // Rule 3: operations take the guess, readiness for the user skips it.
    assert!(ready(&source, Direction::Read, Guess::Take).is_some());
    assert!(ready(&source, Direction::Read, Guess::Skip).is_none());
    assert!(ready(&source, Direction::Write, Guess::Skip).is_none());
    // The first turn says writable: that direction is confirmed only.
    source.set_ready(1, Ready::WRITABLE, &mut wakers);
    assert!(ready(&source, Direction::Write, Guess::Skip).is_some());
    assert!(ready(&source, Direction::Read, Guess::Skip).is_none());
    assert!(ready(&source, Direction::Read, Guess::Take).is_some());
    // A `WouldBlock` on the guess clears it with the state.
    let guessed = ready(&source, Direction::Read, Guess::Take).unwrap();
    source.clear_readiness(guessed);
    assert!(ready(&source, Direction::Read, Guess::Take).is_none());
    source.set_ready(2, Ready::READABLE, &mut wakers);
    assert!(ready(&source, Direction::Read, Guess::Skip).is_some());
}

#[test]
fn from_reactor_starts_unready_until_an_event() {
    let source = Source::new(0, Initial::FromReactor);
    let mut wakers = Vec::new();
    for guess in [Guess::Take, Guess::Skip] {
        assert!(ready(&source, Direction::Read, guess).is_none());
        assert!(ready(&source, Direction::Write, guess).is_none());
    }
    source.set_ready(1, Ready::WRITABLE, &mut wakers);
    assert!(ready(&source, Direction::Read, Guess::Skip).is_none());
    assert!(ready(&source, Direction::Write, Guess::Skip).is_some());
}

#[test]
fn a_clear_from_an_older_tick_keeps_the_new_edge() {
    let source = Source::new(0, Initial::Optimistic);
    let mut wakers = Vec::new();
    let seen = ready(&source, Direction::Read, Guess::Take).unwrap();
    // A new edge arrives between the syscall and the clear (rule 2).
    source.set_ready(1, Ready::READABLE, &mut wakers);
    source.clear_readiness(seen);
    let now = ready(&source, Direction::Read, Guess::Skip).expect("the edge was lost");
    source.clear_readiness(now);
    assert!(ready(&source, Direction::Read, Guess::Take).is_none());
}

#[test]
fn closed_states_survive_a_clear() {
    let source = Source::new(0, Initial::FromReactor);
    let mut wakers = Vec::new();
    source.set_ready(1, Ready::READABLE | Ready::READ_CLOSED, &mut wakers);
    let event = ready(&source, Direction::Read, Guess::Skip).unwrap();
    assert_eq!(event.ready(), Ready::READABLE | Ready::READ_CLOSED);
    source.clear_readiness(event);
    let after = ready(&source, Direction::Read, Guess::Skip).expect("closed is final");
    assert_eq!(after.ready(), Ready::READ_CLOSED);
}

#[test]
fn an_event_reports_only_the_states_asked_for() {
    let source = Source::new(0, Initial::FromReactor);
    let mut wakers = Vec::new();
    source.set_ready(
        1,
        Ready::READABLE | Ready::WRITABLE | Ready::ERROR,
        &mut wakers,
    );
    let event = source
        .ready_event(Ready::from_bit(ready::ERROR), Guess::Skip)
        .unwrap()
        .unwrap();
    assert_eq!(event.ready(), Ready::ERROR);
    // Clearing the error leaves the directions ready.
    source.clear_readiness(event);
    assert!(source
        .ready_event(Ready::from_bit(ready::ERROR), Guess::Skip)
        .is_none());
    assert!(ready(&source, Direction::Read, Guess::Skip).is_some());
    assert!(ready(&source, Direction::Write, Guess::Skip).is_some());
    // `with_ready` narrows what a clear takes.
    let both = source
        .ready_event(read() | write(), Guess::Skip)
        .unwrap()
        .unwrap();
    source.clear_readiness(both.with_ready(Ready::WRITABLE));
    assert!(ready(&source, Direction::Write, Guess::Skip).is_none());
    assert!(ready(&source, Direction::Read, Guess::Skip).is_some());
}

#[test]
fn set_ready_takes_the_wakers_its_states_satisfy() {
    let source = Source::new(0, Initial::Optimistic);
    let mut wakers = Vec::new();
    for direction in [Direction::Read, Direction::Write] {
        let event = ready(&source, direction, Guess::Take).unwrap();
        source.clear_readiness(event);
        assert!(ready(&source, direction, Guess::Take).is_none());
    }
    let mut reader = Box::pin(Readiness {
        source: &source,
        mask: read(),
        guess: Guess::Skip,
        key: None,
    });
    let mut errors = Box::pin(Readiness {
        source: &source,
        mask: Ready::from_bit(ready::ERROR),
        guess: Guess::Skip,
        key: None,
    });
    assert!(reader.as_mut().poll(&mut cx()).is_pending());
    assert!(errors.as_mut().poll(&mut cx()).is_pending());
    source.set_ready(1, Ready::WRITABLE, &mut wakers);
    // The write slot's waker.
    assert_eq!(wakers.len(), 1);
    wakers.clear();
    source.set_ready(2, Ready::READABLE, &mut wakers);
    // The read slot's waker and the reader's.
    assert_eq!(wakers.len(), 2);
    assert!(reader.as_mut().poll(&mut cx()).is_ready());
    assert!(errors.as_mut().poll(&mut cx()).is_pending());
    wakers.clear();
    source.set_ready(3, Ready::ERROR, &mut wakers);
    assert_eq!(wakers.len(), 1);
    assert!(errors.as_mut().poll(&mut cx()).is_ready());
}

#[test]
fn set_closed_wakes_only_for_new_states() {
    let source = Source::new(0, Initial::FromReactor);
    let mut wakers = Vec::new();
    let mut reader = Box::pin(Readiness {
        source: &source,
        mask: read(),
        guess: Guess::Skip,
        key: None,
    });
    assert!(reader.as_mut().poll(&mut cx()).is_pending());
    source.set_closed(Ready::READ_CLOSED, &mut wakers);
    assert_eq!(wakers.len(), 1);
    wakers.clear();
    // Not a closed state: ignored.
    source.set_closed(Ready::READABLE, &mut wakers);
    assert!(ready(&source, Direction::Read, Guess::Take)
        .is_some_and(|e| e.ready() == Ready::READ_CLOSED));
    let mut again = Box::pin(Readiness {
        source: &source,
        mask: write(),
        guess: Guess::Skip,
        key: None,
    });
    assert!(again.as_mut().poll(&mut cx()).is_pending());
    source.set_closed(Ready::READ_CLOSED, &mut wakers);
    assert!(wakers.is_empty(), "READ_CLOSED was set already");
}

#[test]
fn shutdown_fails_every_wait() {
    for initial in [Initial::Optimistic, Initial::FromReactor] {
        let source = Source::new(0, initial);
        let mut wakers = Vec::new();
        source.set_shutdown(&mut wakers);
        for direction in [Direction::Read, Direction::Write] {
            for guess in [Guess::Take, Guess::Skip] {
                let err = match source.poll_ready(direction, guess, &mut cx()) {
                    Poll::Ready(Err(err)) => err,
                    other => panic!("{initial:?} {direction:?}: {other:?}"),
                };
                assert_eq!(err.to_string(), SHUTDOWN_MESSAGE);
            }
        }
    }
}
