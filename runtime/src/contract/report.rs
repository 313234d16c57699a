//! The outcome of a contract check, and the rules a user accepts on it.

use std::fmt;

use super::findings::Findings;

/// One finding about a trait method: a mismatch, a note, or something not checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    method: &'static str,
    problem: String,
}

impl Finding {
    /// The trait method.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// What was found, in a sentence.
    pub fn problem(&self) -> &str {
        &self.problem
    }

    fn matches(&self, method: &str, fragment: &str) -> bool {
        (method == "*" || self.method == method) && self.problem.contains(fragment)
    }
}

/// The outcome of a contract check, by trait method:
///
/// - **mismatches**: the trait and the document disagree in a way that breaks calls;
/// - **notes**: differences providers accept, such as a header the document does not name
///   (`X-GitHub-Api-Version`, `Idempotency-Key`): an HTTP server ignores headers it does not
///   know;
/// - **not checked**: what could not be compared, such as a type without `JsonSchema`;
/// - **skipped**: methods not compared at all (a `#[url]` endpoint has no path).
///
/// [`assert_ok`](Self::assert_ok) fails on mismatches only, unless told to
/// [`refuse_unchecked`](Self::refuse_unchecked); a mismatch the user knows about and accepts
/// can be moved aside with [`accept`](Self::accept) or [`accept_header`](Self::accept_header),
/// and is still shown.
///
/// # Examples
///
/// ```no_run
/// # fn check(report: ferrofit::contract::ContractReport) {
/// report
///     .accept_header("X-GitHub-Api-Version")
///     .accept("list_issues", "query parameter `labels`")
///     .refuse_unchecked()
///     .assert_ok();
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ContractReport {
    api: &'static str,
    spec: String,
    checked: usize,
    mismatches: Vec<Finding>,
    accepted: Vec<Finding>,
    notes: Vec<Finding>,
    unchecked: Vec<Finding>,
    skipped: Vec<(&'static str, String)>,
    refuse_unchecked: bool,
}

impl ContractReport {
    pub(super) fn new(api: &'static str, spec: String) -> Self {
        Self {
            api,
            spec,
            checked: 0,
            mismatches: Vec::new(),
            accepted: Vec::new(),
            notes: Vec::new(),
            unchecked: Vec::new(),
            skipped: Vec::new(),
            refuse_unchecked: false,
        }
    }

    pub(super) fn add(&mut self, method: &'static str, findings: Findings) {
        self.checked += 1;
        let lines = |lines: Vec<String>| {
            lines
                .into_iter()
                .map(move |problem| Finding { method, problem })
        };
        self.mismatches.extend(lines(findings.mismatches));
        self.notes.extend(lines(findings.notes));
        self.unchecked.extend(lines(findings.unchecked));
    }

    pub(super) fn skip(&mut self, method: &'static str, reason: String) {
        self.skipped.push((method, reason));
    }

    /// Whether the trait agrees with the document: no mismatch left, and nothing unchecked if
    /// [`refuse_unchecked`](Self::refuse_unchecked) was asked.
    pub fn is_ok(&self) -> bool {
        self.mismatches.is_empty() && (!self.refuse_unchecked || self.unchecked.is_empty())
    }

    /// Every mismatch not accepted, in trait order.
    pub fn mismatches(&self) -> &[Finding] {
        &self.mismatches
    }

    /// The mismatches of one trait method, not accepted.
    pub fn of(&self, method: &str) -> Vec<&str> {
        problems(&self.mismatches, method)
    }

    /// Differences that do not break calls, such as headers the document does not name.
    pub fn notes(&self) -> &[Finding] {
        &self.notes
    }

    /// The notes of one trait method.
    pub fn notes_of(&self, method: &str) -> Vec<&str> {
        problems(&self.notes, method)
    }

    /// What could not be compared, and why (a type without `JsonSchema`).
    pub fn unchecked(&self) -> &[Finding] {
        &self.unchecked
    }

    /// The mismatches moved aside by [`accept`](Self::accept) or
    /// [`accept_header`](Self::accept_header).
    pub fn accepted(&self) -> &[Finding] {
        &self.accepted
    }

    /// How many endpoints were compared.
    pub fn checked(&self) -> usize {
        self.checked
    }

    /// Methods not compared, with the reason.
    pub fn skipped(&self) -> &[(&'static str, String)] {
        &self.skipped
    }

    /// Accepts the mismatches of `method` (`"*"` for every method) whose text contains
    /// `fragment`: they are listed as accepted and no longer fail [`assert_ok`](Self::assert_ok).
    #[must_use]
    pub fn accept(mut self, method: &str, fragment: &str) -> Self {
        let (accepted, kept) = std::mem::take(&mut self.mismatches)
            .into_iter()
            .partition(|f| f.matches(method, fragment));
        self.mismatches = kept;
        self.accepted.extend::<Vec<Finding>>(accepted);
        self
    }

    /// Accepts every mismatch and note about header `name` (any case), on every method: a
    /// header the trait sends on purpose, such as an API version.
    #[must_use]
    pub fn accept_header(mut self, name: &str) -> Self {
        let fragment = format!("header parameter `{}`", name.to_ascii_lowercase());
        let about = |f: &Finding| f.problem.to_ascii_lowercase().contains(&fragment);
        let (accepted, kept): (Vec<_>, _) = std::mem::take(&mut self.mismatches)
            .into_iter()
            .partition(about);
        self.mismatches = kept;
        self.accepted.extend(accepted);
        self.notes.retain(|f| !about(f));
        self
    }

    /// Makes what could not be checked fail [`assert_ok`](Self::assert_ok) too.
    #[must_use]
    pub fn refuse_unchecked(mut self) -> Self {
        self.refuse_unchecked = true;
        self
    }

    /// Panics with the report unless the trait agrees with the document.
    ///
    /// # Panics
    ///
    /// When a mismatch is left, or something was not checked after
    /// [`refuse_unchecked`](Self::refuse_unchecked).
    #[track_caller]
    pub fn assert_ok(&self) {
        assert!(self.is_ok(), "{self}");
    }
}

fn problems<'a>(findings: &'a [Finding], method: &str) -> Vec<&'a str> {
    findings
        .iter()
        .filter(|f| f.method == method)
        .map(|f| f.problem.as_str())
        .collect()
}

impl fmt::Display for ContractReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.mismatches.len();
        write!(
            f,
            "{} against {}: {} endpoint{} checked, {} mismatch{}",
            self.api,
            if self.spec.is_empty() {
                "the spec"
            } else {
                &self.spec
            },
            self.checked,
            if self.checked == 1 { "" } else { "s" },
            if n == 0 {
                "no".to_owned()
            } else {
                n.to_string()
            },
            if n == 1 { "" } else { "es" },
        )?;
        let counts = [
            (self.accepted.len(), "accepted"),
            (self.notes.len(), "notes"),
            (self.unchecked.len(), "not checked"),
        ];
        for (count, what) in counts.into_iter().filter(|(count, _)| *count > 0) {
            write!(f, ", {count} {what}")?;
        }
        for m in &self.mismatches {
            write!(f, "\n  {}: {}", m.method, m.problem)?;
        }
        for m in &self.accepted {
            write!(f, "\n  {}: accepted: {}", m.method, m.problem)?;
        }
        for m in &self.unchecked {
            write!(f, "\n  {}: not checked: {}", m.method, m.problem)?;
        }
        for m in &self.notes {
            write!(f, "\n  {}: note: {}", m.method, m.problem)?;
        }
        for (method, reason) in &self.skipped {
            write!(f, "\n  {method}: not checked: {reason}")?;
        }
        Ok(())
    }
}
