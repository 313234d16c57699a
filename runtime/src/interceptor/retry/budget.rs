//! A retry budget: a token bucket that bounds how much extra load retries may add.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

/// Thousandths of a token, so that fractional deposits stay exact integers.
const MILLI: u64 = 1000;

/// A token bucket shared by all calls of a client (in the style of gRPC retry throttling and
/// the AWS SDKs' standard retry mode) that keeps retries from multiplying the load on a failing
/// upstream.
///
/// Every call deposits `ratio` tokens (capped at `capacity`); every retry takes one token, and
/// is not made when none is left. The bucket starts full. So over any run of N calls, **at most
/// `capacity + ratio × N` retries** are made, whatever the upstream does: with the default
/// (ratio 0.1, capacity 10), 1,000 calls to a server that always fails make at most 1,110
/// requests instead of the 3,000 that three attempts each would.
///
/// # Examples
///
/// ```
/// use ferrofit::retry::RetryBudget;
///
/// let budget = RetryBudget::new(0.2, 5);
/// assert_eq!(budget.available(), 5.0);
/// ```
pub struct RetryBudget {
    tokens: AtomicU64,
    capacity: u64,
    deposit: u64,
}

impl RetryBudget {
    /// A budget allowing retries for `ratio` of calls (0.0 to 1.0 or more), on top of a reserve
    /// of `capacity` retries.
    pub fn new(ratio: f64, capacity: u32) -> Self {
        let capacity = u64::from(capacity) * MILLI;
        // Saturating float-to-int: negative or NaN ratios give 0, huge ones u64::MAX.
        let deposit = (ratio.max(0.0) * MILLI as f64).round() as u64;
        Self {
            tokens: AtomicU64::new(capacity),
            capacity,
            deposit,
        }
    }

    /// How many retries could be made right now.
    pub fn available(&self) -> f64 {
        self.tokens.load(Ordering::Relaxed) as f64 / MILLI as f64
    }

    /// Called once per call, before its first attempt.
    pub(crate) fn deposit(&self) {
        // A full budget (the usual state) is only read, so calls on many threads share its
        // cache line instead of taking turns writing it. The update below would leave it as
        // it is anyway.
        if self.tokens.load(Ordering::Relaxed) >= self.capacity {
            return;
        }
        let _ = self
            .tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                Some(t.saturating_add(self.deposit).min(self.capacity.max(t)))
            });
    }

    /// Takes the token for one retry; `false` when the budget is spent.
    pub(crate) fn try_withdraw(&self) -> bool {
        self.tokens
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                t.checked_sub(MILLI)
            })
            .is_ok()
    }
}

impl Default for RetryBudget {
    /// Ratio 0.1, capacity 10.
    fn default() -> Self {
        Self::new(0.1, 10)
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("available", &self.available())
            .field("capacity", &(self.capacity / MILLI))
            .field("ratio", &(self.deposit as f64 / MILLI as f64))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_stay_within_capacity_plus_ratio_of_calls() {
        let budget = RetryBudget::new(0.1, 10);
        let mut retries = 0;
        for _ in 0..1000 {
            budget.deposit();
            // Every call wants two retries.
            for _ in 0..2 {
                if budget.try_withdraw() {
                    retries += 1;
                }
            }
        }
        assert!(retries <= 10 + 100, "{retries} retries");
        assert!(retries >= 100, "the ratio is available too: {retries}");
    }

    #[test]
    fn deposits_never_overflow_the_capacity() {
        let budget = RetryBudget::new(0.5, 2);
        for _ in 0..100 {
            budget.deposit();
        }
        assert_eq!(budget.available(), 2.0);
    }
}
