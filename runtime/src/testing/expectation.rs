//! The expectations of typed mocks inside a [`MockTransport`](super::MockTransport): which one
//! answers a request, and what `verify` reports.

use std::fmt::Write as _;
use std::sync::Arc;

use super::MockReply;
use super::call_args::{ArgError, MockCall};
use super::route::body_text;
use crate::endpoint::Endpoint;
use crate::request::Request;

/// An argument matcher over a decoded request.
pub(super) type Matcher = Arc<dyn Fn(&MockCall<'_>) -> Result<bool, ArgError> + Send + Sync>;

/// How many calls an expectation answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Times {
    /// Any number, none included.
    Any,
    /// Exactly this many; fewer is reported.
    Exactly(usize),
    /// None: a call is reported.
    Never,
}

pub(super) struct Expectation {
    api: &'static str,
    name: &'static str,
    matchers: Vec<Matcher>,
    times: Times,
    hits: usize,
    reply: MockReply,
}

/// What the typed expectations make of a request.
pub(super) enum Outcome {
    /// An expectation answers.
    Reply(MockReply),
    /// Expectations exist for the endpoint, but the call is not expected: the reason.
    Unexpected(String),
    /// No expectation names the endpoint: routes may answer it.
    NotMocked,
}

impl Expectation {
    pub(super) fn new(
        api: &'static str,
        name: &'static str,
        matchers: Vec<Matcher>,
        times: Times,
        reply: MockReply,
    ) -> Self {
        Self {
            api,
            name,
            matchers,
            times,
            hits: 0,
            reply,
        }
    }

    fn is_for(&self, endpoint: &Endpoint) -> bool {
        self.api == endpoint.api() && self.name == endpoint.name()
    }

    fn has_uses_left(&self) -> bool {
        match self.times {
            Times::Any | Times::Never => true,
            Times::Exactly(n) => self.hits < n,
        }
    }

    fn accepts(&self, call: &MockCall<'_>) -> Result<bool, ArgError> {
        for matcher in &self.matchers {
            if !matcher(call)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// What `verify` says about this expectation, if anything.
    fn unmet(&self) -> Option<String> {
        match self.times {
            Times::Exactly(n) if self.hits < n => Some(format!(
                "{}::{}: expected {n} call{}, got {}",
                self.api,
                self.name,
                if n == 1 { "" } else { "s" },
                self.hits
            )),
            _ => None,
        }
    }
}

/// The first expectation for the request's endpoint that has uses left and accepts its
/// arguments answers it.
pub(super) fn answer(expectations: &mut [Expectation], request: &Request) -> Outcome {
    let Some(endpoint) = request.endpoint() else {
        return Outcome::NotMocked;
    };
    if !expectations.iter().any(|e| e.is_for(endpoint)) {
        return Outcome::NotMocked;
    }
    let call = MockCall::new(request);
    let mut reasons = Vec::new();
    for expectation in expectations.iter_mut().filter(|e| e.is_for(endpoint)) {
        if !expectation.has_uses_left() {
            reasons.push(format!(
                "an expectation was used up ({} calls)",
                expectation.hits
            ));
            continue;
        }
        match expectation.accepts(&call) {
            Ok(true) if expectation.times == Times::Never => {
                expectation.hits += 1;
                return Outcome::Unexpected(format!(
                    "{}: expected never to be called",
                    describe_call(request)
                ));
            }
            Ok(true) => {
                expectation.hits += 1;
                return Outcome::Reply(expectation.reply.clone());
            }
            Ok(false) => reasons.push("a matcher rejected the arguments".to_owned()),
            Err(e) => reasons.push(format!("the arguments could not be decoded: {e}")),
        }
    }
    reasons.dedup();
    Outcome::Unexpected(format!(
        "{}: no expectation accepts it ({})",
        describe_call(request),
        reasons.join("; ")
    ))
}

/// `UserApi::get_user(GET http://…/users/7?token=[REDACTED], body "…")`: the endpoint and
/// its arguments as sent, secret headers, query parameters and body fields hidden.
pub(super) fn describe_call(request: &Request) -> String {
    let redactor = request.redactor();
    let mut text = match request.endpoint() {
        Some(endpoint) => format!("{}::{}", endpoint.api(), endpoint.name()),
        None => "a request".to_owned(),
    };
    let _ = write!(
        text,
        "({} {}",
        request.method(),
        redactor.url(request.url())
    );
    for (name, value) in request.headers() {
        if redactor.is_secret_header(name.as_str()) {
            let _ = write!(text, ", {name}: {}", crate::redact::REDACTED);
        } else if !is_boilerplate(name.as_str()) {
            let _ = write!(
                text,
                ", {name}: {:?}",
                String::from_utf8_lossy(value.as_bytes())
            );
        }
    }
    if let Some(body) = request.body().as_bytes().filter(|b| !b.is_empty()) {
        let _ = write!(text, ", body {}", body_text(body, redactor));
    }
    text.push(')');
    text
}

/// Headers every request carries; they say nothing about the call's arguments.
fn is_boilerplate(name: &str) -> bool {
    matches!(
        name,
        "accept" | "accept-encoding" | "user-agent" | "content-length"
    )
}

/// Unmet expectations of `api`, then the unexpected calls, one per line.
pub(super) fn report(
    api: &str,
    expectations: &[Expectation],
    unexpected: &[String],
) -> Result<(), String> {
    let unmet: Vec<String> = expectations
        .iter()
        .filter(|e| e.api == api)
        .filter_map(Expectation::unmet)
        .collect();
    if unmet.is_empty() && unexpected.is_empty() {
        return Ok(());
    }
    let mut text = format!("the {api} mock was not used as expected:");
    for line in unmet.iter().chain(unexpected) {
        let _ = write!(text, "\n  - {line}");
    }
    Err(text)
}
