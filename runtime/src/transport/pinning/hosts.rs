//! Which hosts are pinned: patterns read as the TLS layer will see the host — IDNA to
//! punycode, IPv4 and IPv6 in their canonical form — or refused. A pattern that could never
//! match the name the handshake carries would leave its host unpinned (fail open).

use std::net::IpAddr;

use rustls::pki_types::ServerName;
use url::Host;

use super::Pin;

/// A host pattern, canonical.
#[derive(Clone, Debug, PartialEq, Eq)]
enum HostPattern {
    /// One DNS name, lower-case ASCII (punycode for IDNs).
    Name(String),
    /// One IP address.
    Ip(IpAddr),
    /// `*.example.com`: exactly one more label.
    OneLabel(String),
    /// `**.example.com`: any number of labels, none included.
    AnyLabels(String),
}

impl HostPattern {
    fn parse(pattern: &str) -> Result<Self, String> {
        let refuse = |why: &str| {
            Err(format!(
                "`{pattern}` is not a host to pin ({why}); write `api.example.com`, `*.example.com`, `**.example.com`, `127.0.0.1` or `[::1]`"
            ))
        };
        let (wildcard, rest) = if let Some(rest) = pattern.strip_prefix("**.") {
            (Some(Self::AnyLabels as fn(String) -> Self), rest)
        } else if let Some(rest) = pattern.strip_prefix("*.") {
            (Some(Self::OneLabel as fn(String) -> Self), rest)
        } else {
            (None, pattern)
        };
        if rest.contains('*') {
            return refuse("a wildcard may only be the first label");
        }
        let rest = rest.strip_suffix('.').unwrap_or(rest);
        // `::1` is accepted without its brackets too.
        let host = match rest.parse::<std::net::Ipv6Addr>() {
            Ok(v6) => Host::Ipv6(v6),
            Err(_) => match Host::parse(rest) {
                Ok(host) => host,
                Err(error) => return refuse(&error.to_string()),
            },
        };
        match (host, wildcard) {
            (Host::Domain(name), _) if name.is_empty() || name.split('.').any(str::is_empty) => {
                refuse("an empty label")
            }
            (Host::Domain(name), Some(wildcard)) => Ok(wildcard(name)),
            (Host::Domain(name), None) => Ok(Self::Name(name)),
            (Host::Ipv4(_) | Host::Ipv6(_), Some(_)) => {
                refuse("an IP address has no labels to wildcard")
            }
            (Host::Ipv4(v4), None) => Ok(Self::Ip(IpAddr::V4(v4))),
            (Host::Ipv6(v6), None) => Ok(Self::Ip(IpAddr::V6(v6))),
        }
    }

    fn matches(&self, host: &Server<'_>) -> bool {
        match (self, host) {
            (Self::Ip(ip), Server::Ip(actual)) => ip == actual,
            (Self::Name(name), Server::Name(actual)) => name == actual,
            (Self::OneLabel(suffix), Server::Name(actual)) => actual
                .strip_suffix(suffix.as_str())
                .and_then(|label| label.strip_suffix('.'))
                .is_some_and(|label| !label.is_empty() && !label.contains('.')),
            (Self::AnyLabels(suffix), Server::Name(actual)) => {
                actual == suffix
                    || actual
                        .strip_suffix(suffix.as_str())
                        .is_some_and(|labels| labels.len() > 1 && labels.ends_with('.'))
            }
            _ => false,
        }
    }
}

/// The server's name as the handshake carries it.
enum Server<'a> {
    Name(std::borrow::Cow<'a, str>),
    Ip(IpAddr),
}

impl<'a> Server<'a> {
    fn of(name: &'a ServerName<'_>) -> Option<Self> {
        match name {
            ServerName::DnsName(dns) => {
                let name = dns.as_ref();
                let name = name.strip_suffix('.').unwrap_or(name);
                Some(Self::Name(
                    if name.bytes().any(|b| b.is_ascii_uppercase()) {
                        std::borrow::Cow::Owned(name.to_ascii_lowercase())
                    } else {
                        std::borrow::Cow::Borrowed(name)
                    },
                ))
            }
            ServerName::IpAddress(ip) => Some(Self::Ip(IpAddr::from(*ip))),
            _ => None,
        }
    }
}

/// Host patterns and their pins.
#[derive(Clone, Default)]
pub(crate) struct Pins {
    rules: Vec<(HostPattern, Vec<Pin>)>,
}

impl Pins {
    /// Adds `pins` for hosts matching `pattern`.
    pub(crate) fn add(&mut self, pattern: &str, pins: Vec<Pin>) -> Result<(), String> {
        let host = HostPattern::parse(pattern)?;
        if pins.is_empty() {
            return Err(format!("no pins given for `{pattern}`"));
        }
        self.rules.push((host, pins));
        Ok(())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Every pin that applies to `server` (all matching patterns together). A name rustls
    /// may add later, which no pattern can describe, gets every pin there is: refused unless
    /// a pinned key vouches for it, never let through unpinned.
    pub(crate) fn for_server(&self, server: &ServerName<'_>) -> Vec<Pin> {
        let Some(server) = Server::of(server) else {
            return self
                .rules
                .iter()
                .flat_map(|(_, pins)| pins.iter().copied())
                .collect();
        };
        self.rules
            .iter()
            .filter(|(pattern, _)| pattern.matches(&server))
            .flat_map(|(_, pins)| pins.iter().copied())
            .collect()
    }
}

impl std::fmt::Debug for Pins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pins")
            .field("hosts", &self.rules.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(name: &str) -> ServerName<'static> {
        ServerName::try_from(name.to_owned()).unwrap()
    }

    fn pinned(pattern: &str, host: &str) -> bool {
        let mut pins = Pins::default();
        pins.add(pattern, vec![[1; 32]]).unwrap();
        !pins.for_server(&server(host)).is_empty()
    }

    #[test]
    fn host_patterns_follow_okhttp() {
        assert!(pinned("API.example.com", "api.example.com"));
        assert!(pinned("api.example.com.", "API.example.com"));
        assert!(!pinned("api.example.com", "www.api.example.com"));
        assert!(pinned("*.example.com", "api.example.com"));
        assert!(!pinned("*.example.com", "example.com"));
        assert!(!pinned("*.example.com", "a.b.example.com"));
        assert!(!pinned("*.example.com", "badexample.com"));
        assert!(pinned("**.example.com", "example.com"));
        assert!(pinned("**.example.com", "a.b.example.com"));
        assert!(!pinned("**.example.com", "badexample.com"));
    }

    #[test]
    fn patterns_are_read_as_the_tls_layer_sees_the_host() {
        assert!(pinned("bücher.example", "xn--bcher-kva.example"), "IDNA");
        assert!(pinned("*.BÜCHER.example", "shop.xn--bcher-kva.example"));
        assert!(pinned("[::1]", "::1"), "IPv6 in brackets");
        assert!(pinned("::1", "::1"));
        assert!(pinned("[0:0::1]", "::1"), "IPv6 in any spelling");
        assert!(pinned("127.1", "127.0.0.1"), "IPv4 shorthand");
        assert!(pinned("0x7f.0.0.1", "127.0.0.1"));
        assert!(!pinned("127.0.0.1", "127.0.0.2"));
        assert!(!pinned("127.0.0.1", "localhost"));
    }

    #[test]
    fn patterns_that_could_never_match_are_refused() {
        for bad in [
            "",
            "*",
            "a.*.com",
            "*a.example.com",
            "example..com",
            "api.example.com:443",
            "exa mple.com",
            "*.127.0.0.1",
            "**.[::1]",
            "https://api.example.com",
            "[::1",
        ] {
            assert!(HostPattern::parse(bad).is_err(), "{bad:?}");
        }
    }
}
