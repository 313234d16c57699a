//! `LineSplitter`: a streamed body cut into lines, whatever the chunk boundaries, with a bound
//! on how long one line may grow. Event streams and JSON lines read their bodies through it.

use crate::error::{Error, Result};

/// Where one line ends.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum LineEnds {
    /// `\n`, `\r` or `\r\n`, as server-sent events have them.
    Any,
    /// `\n` only, a `\r` before it dropped (JSON lines).
    Newline,
}

/// Cuts chunks into lines. A line split across chunks is put together in a buffer that never
/// grows past the limit: a server that sends one endless line gets an error, not our memory.
pub(crate) struct LineSplitter {
    ends: LineEnds,
    /// The start of a line whose end has not arrived yet.
    partial: Vec<u8>,
    /// The last chunk ended on `\r`: a `\n` starting the next one belongs to that line end.
    after_cr: bool,
    max_line: usize,
}

impl LineSplitter {
    pub(crate) fn new(ends: LineEnds, max_line: usize) -> Self {
        Self {
            ends,
            partial: Vec::new(),
            after_cr: false,
            max_line,
        }
    }

    /// Hands every line that `chunk` completes to `on_line`, without its line end; keeps the
    /// rest for the next chunk. Stops at the first error `on_line` returns.
    ///
    /// # Errors
    ///
    /// [`Error::ResponseTooLarge`] when a line grows past the limit, or what `on_line` returns.
    pub(crate) fn feed(
        &mut self,
        mut chunk: &[u8],
        mut on_line: impl FnMut(&[u8]) -> Result<()>,
    ) -> Result<()> {
        // An empty chunk says nothing about what follows the `\r`: keep waiting for a byte.
        if let Some(&first) = chunk.first()
            && std::mem::take(&mut self.after_cr)
            && first == b'\n'
        {
            chunk = &chunk[1..];
        }
        while let Some(end) = self.find_end(chunk) {
            let (line, rest) = chunk.split_at(end);
            let skip = match (rest[0], rest.get(1)) {
                (b'\r', Some(b'\n')) => 2,
                (b'\r', None) => {
                    self.after_cr = true;
                    1
                }
                _ => 1,
            };
            chunk = &rest[skip..];
            if self.partial.is_empty() {
                self.check_len(line.len())?;
                on_line(self.trim(line))?;
            } else {
                self.check_len(self.partial.len() + line.len())?;
                let mut whole = std::mem::take(&mut self.partial);
                whole.extend_from_slice(line);
                let result = on_line(self.trim(&whole));
                // The buffer's room is kept for the next split line.
                whole.clear();
                self.partial = whole;
                result?;
            }
        }
        self.check_len(self.partial.len() + chunk.len())?;
        self.partial.extend_from_slice(chunk);
        Ok(())
    }

    /// Bounds lines to `max_line` bytes from now on.
    pub(crate) fn set_max_line(&mut self, max_line: usize) {
        self.max_line = max_line;
    }

    /// The line the body ended in the middle of, taken out.
    pub(crate) fn take_pending(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.partial)
    }

    fn find_end(&self, chunk: &[u8]) -> Option<usize> {
        match self.ends {
            LineEnds::Any => memchr::memchr2(b'\n', b'\r', chunk),
            LineEnds::Newline => memchr::memchr(b'\n', chunk),
        }
    }

    fn trim<'a>(&self, line: &'a [u8]) -> &'a [u8] {
        match (self.ends, line.split_last()) {
            (LineEnds::Newline, Some((b'\r', rest))) => rest,
            _ => line,
        }
    }

    fn check_len(&self, len: usize) -> Result<()> {
        if len > self.max_line {
            Err(Error::ResponseTooLarge {
                limit: self.max_line as u64,
            })
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn lines(ends: LineEnds, chunks: &[&[u8]]) -> Result<Vec<String>> {
        let mut splitter = LineSplitter::new(ends, 16);
        let mut seen = Vec::new();
        for chunk in chunks {
            splitter.feed(chunk, |line| {
                seen.push(String::from_utf8_lossy(line).into_owned());
                Ok(())
            })?;
        }
        Ok(seen)
    }

    #[test]
    fn every_line_end_of_server_sent_events_ends_a_line_even_split_across_chunks() {
        let seen = lines(LineEnds::Any, &[b"a\r", b"\nb\rc\n\r", b"\n", b"d\r\re"]).unwrap();
        assert_eq!(seen, ["a", "b", "c", "", "d", ""]);
    }

    #[test]
    fn an_empty_chunk_between_cr_and_lf_does_not_split_the_line_end_in_two() {
        let seen = lines(LineEnds::Any, &[b"a\r", b"", b"\nb\n"]).unwrap();
        assert_eq!(seen, ["a", "b"]);
    }

    #[test]
    fn json_lines_end_on_newline_and_drop_a_carriage_return_before_it() {
        let seen = lines(
            LineEnds::Newline,
            &[b"{\"a\":1}\r", b"\n\n{\"b\"", b":2}\n"],
        )
        .unwrap();
        assert_eq!(seen, ["{\"a\":1}", "", "{\"b\":2}"]);
    }

    #[test]
    fn a_line_longer_than_the_limit_fails_even_when_it_never_ends() {
        let mut splitter = LineSplitter::new(LineEnds::Any, 16);
        splitter.feed(&[b'x'; 10], |_| Ok(())).unwrap();
        let error = splitter.feed(&[b'x'; 7], |_| Ok(())).unwrap_err();
        assert!(
            matches!(error, Error::ResponseTooLarge { limit: 16 }),
            "{error:?}"
        );
        assert!(splitter.take_pending().len() <= 16);
        // A complete line over the limit made of pieces fails too.
        let error = lines(LineEnds::Newline, &[&[b'y'; 9], &[b'y'; 9], b"\n"]).unwrap_err();
        assert!(matches!(error, Error::ResponseTooLarge { limit: 16 }));
        let long = [&[b'w'; 17][..], b"\n"].concat();
        let error = lines(LineEnds::Any, &[&long]).unwrap_err();
        assert!(matches!(error, Error::ResponseTooLarge { limit: 16 }));
        // Exactly the limit is fine.
        assert_eq!(
            lines(LineEnds::Any, &[&[b'z'; 8], &[b'z'; 8], b"\n"])
                .unwrap()
                .len(),
            1
        );
    }

    proptest! {
        /// However the body is cut into chunks, the same lines come out.
        #[test]
        fn chunk_boundaries_never_change_the_lines(
            body in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'\r'), Just(b'\n')], 0..40),
            cuts in proptest::collection::vec(0usize..40, 0..6),
        ) {
            let whole = lines(LineEnds::Any, &[&body]).unwrap();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|cut| cut.min(body.len())).collect();
            cuts.sort_unstable();
            let mut chunks = Vec::new();
            let mut start = 0;
            for cut in cuts {
                chunks.push(&body[start..cut]);
                start = cut;
            }
            chunks.push(&body[start..]);
            prop_assert_eq!(lines(LineEnds::Any, &chunks).unwrap(), whole);
        }
    }
}
