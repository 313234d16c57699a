//! Origins (scheme, host, port), the unit credentials belong to: a request leaves its client's
//! origin, or a redirect leaves the first request's, and every secret header stays behind.

use url::{Host, Url};

/// The origin of a URL, compared with other URLs without allocating.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    scheme: String,
    host: Host<String>,
    port: Option<u16>,
}

impl Origin {
    /// The origin of `url`; `None` for a URL without a host (ferrofit only sends http(s)).
    pub(crate) fn of(url: &Url) -> Option<Self> {
        Some(Self {
            scheme: url.scheme().to_owned(),
            host: url.host()?.to_owned(),
            port: url.port_or_known_default(),
        })
    }

    /// Whether `url` is of this origin.
    pub(crate) fn contains(&self, url: &Url) -> bool {
        url.scheme() == self.scheme
            && url.port_or_known_default() == self.port
            && match (url.host(), &self.host) {
                (Some(Host::Domain(a)), Host::Domain(b)) => a == b,
                (Some(Host::Ipv4(a)), Host::Ipv4(b)) => a == *b,
                (Some(Host::Ipv6(a)), Host::Ipv6(b)) => a == *b,
                _ => false,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(url: &str) -> Origin {
        Origin::of(&url.parse().unwrap()).unwrap()
    }

    #[test]
    fn scheme_host_and_port_make_an_origin() {
        let api = origin("https://api.test/v1");
        for same in [
            "https://api.test/other?q=1",
            "https://API.test:443/",
            "https://u:p@api.test/",
        ] {
            assert!(api.contains(&same.parse().unwrap()), "{same}");
        }
        for other in [
            "http://api.test/",
            "https://api.test:8443/",
            "https://cdn.api.test/",
            "https://api.test.evil/",
        ] {
            assert!(!api.contains(&other.parse().unwrap()), "{other}");
        }
        let loopback = origin("http://127.1:80/");
        assert!(loopback.contains(&"http://127.0.0.1/".parse().unwrap()));
        assert!(!loopback.contains(&"http://localhost/".parse().unwrap()));
    }
}
