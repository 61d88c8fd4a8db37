//! Tests whose expectations name the current UTC minute or day.
//!
//! A server started by a test reads the wall clock itself: a test that checks a venue in
//! "today" and then asks for "today's" count fails when midnight (or, for a minute, any minute
//! boundary) passes between its steps. [`on_one_day`] and [`in_one_minute`] run such a test,
//! and run it again from the start when its period turned while it ran and it failed; a
//! failure within one period is a real failure and is passed on as it was.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use crate::server::now;

/// Seconds in a UTC day.
pub const DAY: u64 = 86_400;

/// Seconds in a minute.
pub const MINUTE: u64 = 60;

/// Runs `test` with the current UTC day number (Unix seconds / 86 400); see [`in_one_period`].
pub fn on_one_day<T>(test: impl Fn(u32) -> T) -> T {
    in_one_period(DAY, |day| test(narrow(day)))
}

/// Runs `test` with the current Unix minute; see [`in_one_period`].
pub fn in_one_minute<T>(test: impl Fn(u32) -> T) -> T {
    in_one_period(MINUTE, |minute| test(narrow(minute)))
}

/// Runs `test` with the number of the current period of `seconds` (Unix seconds / `seconds`).
/// When `test` panics and the period is no longer the one it was given, it is run again from
/// the start with the new one (at most three runs: a test cannot straddle a boundary every
/// time). A panic within a single period is passed on unchanged, and so is the last one.
pub fn in_one_period<T>(seconds: u64, test: impl Fn(u64) -> T) -> T {
    let mut runs = 0;
    loop {
        runs += 1;
        let period = now() / seconds;
        match catch_unwind(AssertUnwindSafe(|| test(period))) {
            Ok(value) => return value,
            Err(panic) => {
                let turned = now() / seconds != period;
                if !turned || runs >= 3 {
                    resume_unwind(panic);
                }
                eprintln!(
                    "the {seconds}-second period {period} ended while the test ran: running it again"
                );
            }
        }
    }
}

fn narrow(n: u64) -> u32 {
    u32::try_from(n).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn a_failure_within_one_period_is_passed_on_after_one_run() {
        let runs = Cell::new(0);
        // A period of a day turns at most once while this runs; a century does not turn.
        let r = catch_unwind(AssertUnwindSafe(|| {
            in_one_period(100 * 365 * DAY, |_| {
                runs.set(runs.get() + 1);
                panic!("a real failure");
            })
        }));
        assert!(r.is_err());
        assert_eq!(runs.get(), 1);
    }

    #[test]
    fn a_run_that_passes_is_not_repeated_and_gets_the_current_period() {
        let runs = Cell::new(0);
        let got = in_one_period(100 * 365 * DAY, |p| {
            runs.set(runs.get() + 1);
            p
        });
        assert_eq!(got, now() / (100 * 365 * DAY));
        assert_eq!(runs.get(), 1);
    }

    #[test]
    fn a_failure_across_a_boundary_is_run_again_in_the_new_period() {
        // A one-second period: the first run waits for the next second, then fails.
        let periods = std::cell::RefCell::new(Vec::new());
        let got = in_one_period(1, |p| {
            periods.borrow_mut().push(p);
            if periods.borrow().len() == 1 {
                while now() == p {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                panic!("straddled a boundary");
            }
            p
        });
        let periods = periods.into_inner();
        assert_eq!(periods.len(), 2);
        assert!(periods[1] > periods[0]);
        assert_eq!(got, periods[1]);
    }
}
