//! Headers a client sends with every request.

use http::header::{HeaderName, HeaderValue};

use super::ClientBuilder;

impl ClientBuilder {
    /// A header sent with every request unless the endpoint sets the same header itself.
    /// May be called several times for the same name to send several values. Headers whose
    /// names are secrets (see [`redactor`](Self::redactor)) are credentials of the base URL's
    /// origin: they are not sent to another origin, whether a `#[url]` argument, a URL given
    /// to [`Client::send`](crate::Client::send), an interceptor's rewrite or a redirect leads
    /// there.
    ///
    /// # Errors
    ///
    /// [`build`](Self::build) fails with [`Error::Config`](crate::Error::Config) when the name
    /// or the value is not valid in a header.
    ///
    /// # Examples
    ///
    /// ```
    /// let client = ferrofit::Client::builder()
    ///     .base_url("https://api.example.com")
    ///     .default_header("Accept-Language", "en")
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    pub fn default_header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.add_default(name.as_ref(), value.as_ref());
        self
    }

    /// A header sent with every request **instead of** what the endpoint sets: a trait's fixed
    /// `#[headers(..)]`, a method's, or a `#[header]` argument. For pointing a trait at a
    /// server that wants something else, such as a mock that serves `application/json` for a
    /// trait that asks for `application/vnd.github+json`. Several calls for one name send
    /// several values; the same origin rule as for
    /// [`default_header`](Self::default_header) applies to secret names.
    ///
    /// # Errors
    ///
    /// As for [`default_header`](Self::default_header).
    ///
    /// # Examples
    ///
    /// ```
    /// let client = ferrofit::Client::builder()
    ///     .base_url("http://127.0.0.1:4010")
    ///     .override_header("Accept", "application/json")
    ///     .build()?;
    /// # let _ = client;
    /// # Ok::<(), ferrofit::Error>(())
    /// ```
    pub fn override_header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        if let Some(name) = self.add_default(name.as_ref(), value.as_ref())
            && !self.overriding.contains(&name)
        {
            self.overriding.push(name);
        }
        self
    }

    fn add_default(&mut self, name: &str, value: &str) -> Option<HeaderName> {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(name), Ok(value)) => {
                self.default_headers.append(name.clone(), value);
                Some(name)
            }
            (Err(_), _) => {
                self.fail(format!("`{name}` is not a valid header name"));
                None
            }
            (_, Err(_)) => {
                self.fail(format!(
                    "the default value of header `{name}` is not a valid header value (CR, LF and other control characters are not allowed)"
                ));
                None
            }
        }
    }
}
