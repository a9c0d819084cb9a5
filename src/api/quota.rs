//! Fair overload: per-organization limits on the rate of calls and on the
//! calls in flight (`--org-rate-limit`, `--org-max-in-flight`; off by
//! default), so that one organization flooding roster cannot starve the
//! others. A call counts against the organization of the key's owner (the
//! one who pays, impersonating or not) once it is authenticated; a call
//! over a limit is answered RESOURCE_EXHAUSTED with `google.rpc.RetryInfo`
//! and `QuotaFailure` (HTTP 429 with `Retry-After`) before it does any
//! work.
//!
//! The rate is a token bucket per organization holding one second's worth
//! of calls (so a burst of that size passes); in-flight calls are a count
//! per organization, taken when the call is admitted and given back when
//! it ends. Both sit in one map under one lock, taken twice per call only
//! when limits are on; organizations idle long enough to have a full
//! bucket and nothing in flight are forgotten once the map holds
//! [`TRACKED`] of them.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::domain::Error;

/// Organizations tracked before idle ones are forgotten.
pub const TRACKED: usize = 10_000;

/// How long a caller refused for too many calls in flight is told to wait
/// (calls take about a millisecond here; this leaves room for several).
pub const IN_FLIGHT_RETRY: Duration = Duration::from_millis(50);

/// The limits, and where each organization stands.
#[derive(Debug, Default)]
pub struct Quotas {
    /// Calls a second per organization.
    rate: Option<u32>,
    /// Calls in flight per organization.
    max_in_flight: Option<u32>,
    orgs: Mutex<HashMap<String, Standing>>,
}

/// One organization's bucket and calls in flight.
#[derive(Debug)]
struct Standing {
    tokens: f64,
    refreshed: Instant,
    in_flight: u32,
}

/// An admitted call's place in its organization's count; given back when
/// dropped.
#[derive(Debug)]
pub struct Admission<'a> {
    quotas: &'a Quotas,
    org: String,
}

impl Quotas {
    /// Limits of `rate` calls a second and `max_in_flight` calls at once
    /// per organization; `None` for no limit.
    pub fn new(rate: Option<u32>, max_in_flight: Option<u32>) -> Self {
        Quotas {
            rate,
            max_in_flight,
            orgs: Mutex::new(HashMap::new()),
        }
    }

    /// Whether any limit is on.
    pub fn is_on(&self) -> bool {
        self.rate.is_some() || self.max_in_flight.is_some()
    }

    /// Admits a call of `org`, or refuses it with the time to wait.
    pub fn admit(&self, org: &str) -> Result<Option<Admission<'_>>, Error> {
        if !self.is_on() {
            return Ok(None);
        }
        let now = Instant::now();
        let mut orgs = self.orgs.lock().unwrap_or_else(|e| e.into_inner());
        if orgs.len() >= TRACKED && !orgs.contains_key(org) {
            self.forget_idle(&mut orgs, now);
        }
        let full = f64::from(self.rate.unwrap_or(0));
        let standing = orgs.entry(org.to_owned()).or_insert(Standing {
            tokens: full,
            refreshed: now,
            in_flight: 0,
        });
        if let Some(max) = self.max_in_flight {
            if standing.in_flight >= max {
                return Err(refusal(
                    org,
                    "ORG_CONCURRENCY_LIMITED",
                    format!("{max} calls in flight"),
                    IN_FLIGHT_RETRY,
                ));
            }
        }
        if let Some(rate) = self.rate {
            let rate = f64::from(rate);
            let elapsed = now.duration_since(standing.refreshed).as_secs_f64();
            standing.tokens = (standing.tokens + elapsed * rate).min(full);
            standing.refreshed = now;
            if standing.tokens < 1.0 {
                let wait = Duration::from_secs_f64((1.0 - standing.tokens) / rate);
                return Err(refusal(
                    org,
                    "ORG_RATE_LIMITED",
                    format!("{rate} calls a second"),
                    wait,
                ));
            }
            standing.tokens -= 1.0;
        }
        standing.in_flight += 1;
        Ok(Some(Admission {
            quotas: self,
            org: org.to_owned(),
        }))
    }

    /// Drops organizations with nothing in flight and a full bucket.
    fn forget_idle(&self, orgs: &mut HashMap<String, Standing>, now: Instant) {
        let rate = f64::from(self.rate.unwrap_or(0));
        orgs.retain(|_, s| {
            let tokens = s.tokens + now.duration_since(s.refreshed).as_secs_f64() * rate;
            s.in_flight > 0 || tokens < rate
        });
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        let mut orgs = self.quotas.orgs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(standing) = orgs.get_mut(&self.org) {
            standing.in_flight = standing.in_flight.saturating_sub(1);
        }
    }
}

fn refusal(org: &str, reason: &'static str, limit: String, retry_after: Duration) -> Error {
    Error::QuotaExceeded {
        reason,
        message: format!("organization `{org}` is over its limit of {limit}"),
        subject: format!("organizations/{org}"),
        retry_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(result: Result<Option<Admission<'_>>, Error>) -> &'static str {
        match result {
            Err(Error::QuotaExceeded { reason, .. }) => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn off_admits_everything_without_tracking() {
        let quotas = Quotas::new(None, None);
        for _ in 0..1000 {
            assert!(quotas.admit("acme").unwrap().is_none());
        }
        assert!(quotas.orgs.lock().unwrap().is_empty());
    }

    #[test]
    fn a_burst_of_one_seconds_worth_then_refusals_with_the_wait() {
        let quotas = Quotas::new(Some(10), None);
        let admitted: Vec<_> = (0..10).map(|_| quotas.admit("acme").unwrap()).collect();
        assert_eq!(admitted.len(), 10);
        match quotas.admit("acme") {
            Err(Error::QuotaExceeded {
                reason,
                retry_after,
                subject,
                ..
            }) => {
                assert_eq!(reason, "ORG_RATE_LIMITED");
                assert_eq!(subject, "organizations/acme");
                assert!(retry_after > Duration::ZERO && retry_after <= Duration::from_millis(100));
            }
            other => panic!("{other:?}"),
        }
        // Another organization has its own bucket.
        assert!(quotas.admit("globex").unwrap().is_some());
    }

    #[test]
    fn calls_in_flight_are_counted_until_they_end() {
        let quotas = Quotas::new(None, Some(2));
        let first = quotas.admit("acme").unwrap();
        let _second = quotas.admit("acme").unwrap();
        assert_eq!(reason(quotas.admit("acme")), "ORG_CONCURRENCY_LIMITED");
        assert!(quotas.admit("globex").unwrap().is_some());
        drop(first);
        assert!(quotas.admit("acme").unwrap().is_some());
    }

    #[test]
    fn idle_organizations_are_forgotten_past_the_bound() {
        let quotas = Quotas::new(Some(1_000_000), Some(5));
        let held = quotas.admit("busy").unwrap();
        for i in 0..TRACKED {
            drop(quotas.admit(&format!("org{i}")).unwrap());
        }
        let tracked = quotas.orgs.lock().unwrap().len();
        assert!(tracked <= TRACKED, "{tracked}");
        assert!(quotas.orgs.lock().unwrap().contains_key("busy"));
        drop(held);
    }
}
