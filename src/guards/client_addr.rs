//! Who is on the other end of a request, for per-address budgets: the peer's IP, or — when the
//! peer is one of the configured trusted proxies — the client that proxy names in
//! `X-Forwarded-For`. Never the header alone: any client can write it.
//!
//! An IPv6 client is keyed by its /64, the block a single subscriber usually gets; keying by
//! the full address would let one host mint 2^64 fresh budgets.

use actix_web::HttpRequest;
use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The budget key of one client: an IPv4 address or an IPv6 /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientAddr(IpAddr);

impl ClientAddr {
    /// The key for an address, IPv6 cut to its /64 (an IPv4-mapped IPv6 address is IPv4).
    pub fn of(ip: IpAddr) -> ClientAddr {
        match ip {
            IpAddr::V4(v4) => ClientAddr(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientAddr(IpAddr::V4(v4)),
                None => {
                    let s = v6.segments();
                    ClientAddr(IpAddr::V6(Ipv6Addr::new(
                        s[0], s[1], s[2], s[3], 0, 0, 0, 0,
                    )))
                }
            },
        }
    }

    /// The client behind a request, seen through the trusted proxies.
    pub fn from_request(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> ClientAddr {
        ClientAddr::from_parts(req.peer_addr(), req.headers(), trusted_proxies)
    }

    /// The same from a request's parts: a socket upgrade arrives as actix-http's request,
    /// before actix-web makes an `HttpRequest` of it.
    pub fn from_parts(
        peer: Option<std::net::SocketAddr>,
        headers: &actix_web::http::header::HeaderMap,
        trusted_proxies: &[IpAddr],
    ) -> ClientAddr {
        // Without a peer address (a unit-test request) every such request shares one budget.
        let peer = peer.map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |a| a.ip());
        ClientAddr::of(client_ip(
            peer,
            headers
                .get_all("x-forwarded-for")
                .filter_map(|v| v.to_str().ok()),
            trusted_proxies,
        ))
    }

    /// The address, for logs.
    pub fn ip(&self) -> IpAddr {
        self.0
    }
}

impl std::fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The client's IP: the peer, unless the peer is a trusted proxy; then the right-most address
/// in `X-Forwarded-For` that is not itself a trusted proxy (the left part is the client's own
/// say and can be forged).
fn client_ip<'a>(
    peer: IpAddr,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[IpAddr],
) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded.flat_map(|v| v.split(',')).collect();
    hops.iter()
        .rev()
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

/// Keys a budget tracks before idle ones are swept at once, whatever the time; bounds the
/// budget's own memory against a flood of fresh addresses between two sweeps.
const MAX_TRACKED: usize = 100_000;
/// How often a budget forgets the keys whose allowance has refilled. A per-minute budget refills
/// within a minute, so after a sweep the map holds only the keys used in the last minute or
/// so: without it every address that ever came stayed until `MAX_TRACKED`, and the memory of a
/// node serving many shoppers grew for hours before the first sweep.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// A per-key allowance of `per_minute` attempts (the whole minute's worth may come at once),
/// refilled evenly. Checked before the work it guards. `C` is the clock (a fake one in tests).
pub struct Budget<K: Hash + Eq + Clone, C: Clock = DefaultClock> {
    limiter: RateLimiter<K, DefaultKeyedStateStore<K>, C, NoOpMiddleware<C::Instant>>,
    clock: C,
    /// The clock's reading when the budget was made; sweep times count from it.
    origin: C::Instant,
    /// Nanoseconds after `origin` of the last sweep (one caller sweeps; the others go on).
    swept_at: AtomicU64,
}

impl<K: Hash + Eq + Clone> Budget<K> {
    /// A budget of `per_minute` attempts per key (at least one).
    pub fn per_minute(per_minute: u32) -> Self {
        Budget::with_clock(per_minute, DefaultClock::default())
    }
}

impl<K: Hash + Eq + Clone, C: Clock + Clone> Budget<K, C> {
    /// A budget of `per_minute` attempts per key on `clock`.
    pub fn with_clock(per_minute: u32, clock: C) -> Self {
        let n = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let limiter = RateLimiter::new(
            Quota::per_minute(n),
            DefaultKeyedStateStore::default(),
            clock.clone(),
        );
        Budget {
            limiter,
            origin: clock.now(),
            clock,
            swept_at: AtomicU64::new(0),
        }
    }

    /// Takes one attempt for `key`; `false` when its budget is spent.
    pub fn allow(&self, key: &K) -> bool {
        self.sweep_if_due();
        self.limiter.check_key(key).is_ok()
    }

    /// Keys tracked now (each costs a map entry until swept).
    pub fn tracked(&self) -> usize {
        self.limiter.len()
    }

    /// Forgets the keys whose allowance has refilled (they behave exactly as unseen keys), once
    /// per `SWEEP_EVERY`, or at once past `MAX_TRACKED`; gives the map's spare room back too.
    fn sweep_if_due(&self) {
        let now = u64::from(self.clock.now().duration_since(self.origin));
        let last = self.swept_at.load(Ordering::Relaxed);
        let due = now.saturating_sub(last) >= SWEEP_EVERY.as_nanos() as u64;
        if !(due || self.limiter.len() > MAX_TRACKED) {
            return;
        }
        // Only the caller that moves the mark sweeps; the others do not wait for it.
        if self
            .swept_at
            .compare_exchange(
                last,
                now.max(last + 1),
                Ordering::Relaxed,
                Ordering::Relaxed,
            )
            .is_ok()
        {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
    }
}

impl<K: Hash + Eq + Clone, C: Clock> std::fmt::Debug for Budget<K, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Budget")
            .field("tracked", &self.limiter.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxy = ip("10.0.0.1");
        let xff = ["1.2.3.4, 5.6.7.8"];
        assert_eq!(
            client_ip(ip("9.9.9.9"), xff.into_iter(), &[proxy]),
            ip("9.9.9.9")
        );
        assert_eq!(client_ip(proxy, xff.into_iter(), &[proxy]), ip("5.6.7.8"));
        // The proxy chain is skipped from the right; garbage is ignored.
        let chain = ["1.2.3.4, nonsense", "5.6.7.8, 10.0.0.2"];
        let trusted = [proxy, ip("10.0.0.2")];
        assert_eq!(client_ip(proxy, chain.into_iter(), &trusted), ip("5.6.7.8"));
        assert_eq!(client_ip(proxy, std::iter::empty(), &trusted), proxy);
    }

    #[test]
    fn ipv6_is_keyed_by_its_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(
            ClientAddr::of(ip("2001:db8:1:2:aaaa::1")),
            ClientAddr::of(ip("2001:db8:1:2:bbbb::9"))
        );
        assert_ne!(
            ClientAddr::of(ip("2001:db8:1:2::1")),
            ClientAddr::of(ip("2001:db8:1:3::1"))
        );
        assert_eq!(
            ClientAddr::of(ip("::ffff:1.2.3.4")),
            ClientAddr::of(ip("1.2.3.4"))
        );
    }

    #[test]
    fn a_budget_is_per_key() {
        let budget = Budget::per_minute(2);
        let (a, b) = (ClientAddr::of(ip("1.1.1.1")), ClientAddr::of(ip("2.2.2.2")));
        assert!(budget.allow(&a) && budget.allow(&a));
        assert!(!budget.allow(&a));
        assert!(budget.allow(&b));
    }

    #[test]
    fn a_budget_forgets_the_addresses_that_left() {
        let clock = governor::clock::FakeRelativeClock::default();
        let budget = Budget::with_clock(10, clock.clone());
        for n in 0..1_000u32 {
            assert!(budget.allow(&ClientAddr::of(IpAddr::V4(n.into()))));
        }
        assert_eq!(budget.tracked(), 1_000);
        // Half a minute on, one address spends its whole allowance; nothing is swept yet.
        clock.advance(Duration::from_secs(30));
        let busy = ClientAddr::of(ip("9.9.9.9"));
        while budget.allow(&busy) {}
        assert_eq!(budget.tracked(), 1_001);
        // A minute after the start the next check sweeps: the thousand refilled allowances go,
        // the spent one stays (forgetting it would hand the flooder a fresh minute).
        clock.advance(Duration::from_secs(31));
        assert!(budget.allow(&ClientAddr::of(ip("8.8.8.8"))));
        assert_eq!(budget.tracked(), 2);
    }
}
