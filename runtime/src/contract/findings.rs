//! What comparing one endpoint finds: mismatches (the trait and the document disagree in a way
//! that breaks calls), notes (a difference providers accept, such as a header the document
//! does not name), and what could not be compared.

/// The findings of one endpoint, one sentence each.
#[derive(Debug, Default)]
pub(super) struct Findings {
    pub(super) mismatches: Vec<String>,
    pub(super) notes: Vec<String>,
    pub(super) unchecked: Vec<String>,
}

impl Findings {
    /// A disagreement that breaks calls.
    pub(super) fn push(&mut self, mismatch: String) {
        self.mismatches.push(mismatch);
    }

    /// A difference worth knowing that does not break calls.
    pub(super) fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    /// Something the check could not compare, and why.
    pub(super) fn unchecked(&mut self, what: String) {
        if !self.unchecked.contains(&what) {
            self.unchecked.push(what);
        }
    }
}
