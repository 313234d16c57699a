//! The parsing cases of web-platform-tests' `eventsource/format-*.htm`, ported: each stream is
//! parsed whole and byte by byte, and must give the same events both ways.

use std::collections::VecDeque;
use std::time::Duration;

use proptest::prelude::*;

use super::*;

const LIMIT: usize = 1 << 16;

/// The events of `body`, checked to be the same when the body arrives one byte at a time.
fn parse(body: &[u8]) -> (Vec<RawEvent>, EventParser) {
    let (whole, parser) = parse_in(&[body]);
    let bytes: Vec<&[u8]> = body.chunks(1).collect();
    let (split, _) = parse_in(&bytes);
    assert_eq!(whole, split, "chunking changed the events");
    (whole, parser)
}

fn parse_in(chunks: &[&[u8]]) -> (Vec<RawEvent>, EventParser) {
    let mut parser = EventParser::new(LIMIT);
    let mut events = VecDeque::new();
    for chunk in chunks {
        parser.feed(chunk, &mut events).expect("parses");
    }
    (events.into(), parser)
}

fn data(body: &[u8]) -> Vec<String> {
    parse(body).0.into_iter().map(|event| event.data).collect()
}

#[test]
fn format_bom_only_the_first_byte_order_mark_is_dropped() {
    assert_eq!(
        data("\u{feff}data:1\n\n\u{feff}data:2\n\ndata:3\n\n".as_bytes()),
        ["1", "3"]
    );
    // format-bom-2: a second BOM is part of the first field's name, which is then unknown.
    assert_eq!(
        data("\u{feff}\u{feff}data:1\n\ndata:2\n\ndata:3\n\n".as_bytes()),
        ["2", "3"]
    );
}

#[test]
fn format_comments_are_ignored_wherever_they_are() {
    let long = "x".repeat(2049);
    let body =
        format!("data:1\r:\0\n:\r\ndata:2\n:{long}\rdata:3\n:data:fail\r:{long}\ndata:4\n\n");
    assert_eq!(data(body.as_bytes()), ["1\n2\n3\n4"]);
}

#[test]
fn format_data_before_final_empty_line_is_discarded_at_the_end() {
    let (events, parser) = parse(b"retry:1000\ndata:test1\n\nid:test\ndata:test2");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].data, "test1");
    assert_eq!(events[0].retry, Some(Duration::from_millis(1000)));
    // The `id:` line ended, so it counts, though its event never came.
    assert_eq!(parser.last_event_id(), "test");
}

#[test]
fn format_field_data_without_a_value_adds_an_empty_line() {
    assert_eq!(
        data(b"data:\n\ndata\ndata\n\ndata:test\n\n"),
        ["", "\n", "test"]
    );
}

#[test]
fn format_field_event_sets_the_type_of_one_event_only() {
    let (events, _) = parse(b"event:test\ndata:x\n\ndata:x\n\nevent: \ndata:data\n\n");
    let types: Vec<_> = events.iter().map(|event| event.event.as_deref()).collect();
    // format-field-event-empty: an empty type is the default, `message`.
    assert_eq!(types, [Some("test"), None, None]);
}

#[test]
fn format_field_id_carries_over_and_an_empty_id_resets_it() {
    let (events, _) = parse(b"id: 1\ndata: x\n\ndata:x\n\nid\ndata:x\n\n");
    let ids: Vec<_> = events.iter().map(|event| event.id.as_deref()).collect();
    assert_eq!(ids, [Some("1"), Some("1"), None]);
}

#[test]
fn format_field_id_null_is_ignored() {
    let (events, parser) = parse(b"id:1\ndata:x\n\nid:2\0x\ndata:y\n\n");
    assert_eq!(events[1].id.as_deref(), Some("1"));
    assert_eq!(parser.last_event_id(), "1");
}

#[test]
fn format_field_parsing_is_exact_about_names_colons_and_spaces() {
    let body = b"data:\x00\ndata:  2\rData:1\ndata\x00:2\ndata:1\r\x00data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n";
    assert_eq!(data(body), ["\0\n 2\n1\n3\n\n4"]);
}

#[test]
fn format_field_retry_takes_only_digits() {
    let (events, parser) = parse(b"retry:03000\ndata:x\n\n");
    assert_eq!(events[0].retry, Some(Duration::from_millis(3000)));
    assert_eq!(parser.reconnect_after(), Some(Duration::from_secs(3)));
    // format-field-retry-bogus
    let (_, parser) = parse(b"retry:3000\rretry:1000x\ndata:x\n\n");
    assert_eq!(parser.reconnect_after(), Some(Duration::from_secs(3)));
    // format-field-retry-empty
    let (events, parser) = parse(b"retry\ndata:test\n\n");
    assert_eq!((events[0].retry, parser.reconnect_after()), (None, None));
    let (_, parser) = parse(b"retry: 5\n\nretry:-1\n\nretry:1.5\n\n");
    assert_eq!(parser.reconnect_after(), Some(Duration::from_millis(5)));
}

#[test]
fn a_retry_only_block_dispatches_nothing_but_keeps_its_time() {
    let (events, parser) = parse(b"retry:250\n\n");
    assert!(events.is_empty());
    assert_eq!(parser.reconnect_after(), Some(Duration::from_millis(250)));
}

#[test]
fn an_event_without_data_is_not_dispatched_but_its_id_is_kept() {
    let (events, _) = parse(b"id:5\nevent:ping\n\ndata:x\n\n");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].id.as_deref(), Some("5"));
    assert_eq!(
        events[0].event, None,
        "the type was reset with the empty event"
    );
}

#[test]
fn format_field_unknown_lines_are_ignored() {
    let body =
        b"data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n";
    assert_eq!(data(body), ["test\n\ntest"]);
}

#[test]
fn format_leading_space_only_one_is_dropped() {
    assert_eq!(
        data(b"data:\ttest\rdata: \ndata:test\n\n"),
        ["\ttest\n\ntest"]
    );
}

#[test]
fn format_newlines_of_every_kind_end_lines() {
    assert_eq!(
        data(b"data:test\r\ndata\ndata:test\r\n\r\n"),
        ["test\n\ntest"]
    );
    assert_eq!(data(b"data:a\r\rdata:b\n\ndata:c\r\n\r\n"), ["a", "b", "c"]);
}

#[test]
fn format_null_character_is_data() {
    assert_eq!(data(b"data:\0\n\n\n\n"), ["\0"]);
}

#[test]
fn format_utf_8_is_decoded_even_when_a_character_is_split() {
    assert_eq!(
        data("data:ok\u{2026}\u{1f600}\n\n".as_bytes()),
        ["ok\u{2026}\u{1f600}"]
    );
    // Invalid bytes become U+FFFD, as the spec's UTF-8 decode does.
    assert_eq!(data(b"data:a\xffb\n\n"), ["a\u{fffd}b"]);
}

#[test]
fn progress_counts_every_block_comments_included() {
    let mut parser = EventParser::new(LIMIT);
    let mut events = VecDeque::new();
    let progress = parser
        .feed(b": ping\n\n: ping\n\ndata:", &mut events)
        .unwrap();
    assert_eq!(progress.blocks, 2);
    assert!(events.is_empty());
    let progress = parser.feed(b"x", &mut events).unwrap();
    assert_eq!(progress.blocks, 0, "half a line is no block");
}

#[test]
fn data_larger_than_the_limit_fails_line_by_line_too() {
    let mut parser = EventParser::new(32);
    let mut events = VecDeque::new();
    let line = format!("data:{}\n", "x".repeat(20));
    parser.feed(line.as_bytes(), &mut events).unwrap();
    let error = parser.feed(line.as_bytes(), &mut events).unwrap_err();
    assert!(
        matches!(error, Error::ResponseTooLarge { limit: 32 }),
        "{error:?}"
    );
}

#[test]
fn restart_drops_the_cut_off_block_and_keeps_the_id_and_retry() {
    let mut parser = EventParser::new(LIMIT);
    let mut events = VecDeque::new();
    parser
        .feed(
            b"id:7\nretry:10\ndata:x\n\nevent:half\ndata:cut",
            &mut events,
        )
        .unwrap();
    parser.restart();
    parser.feed(b"data:y\n\n", &mut events).unwrap();
    let last = events.pop_back().unwrap();
    assert_eq!((last.data.as_str(), last.event), ("y", None));
    assert_eq!(last.id.as_deref(), Some("7"));
    assert_eq!(parser.reconnect_after(), Some(Duration::from_millis(10)));
}

proptest! {
    /// Hostile input never panics, and nothing held grows past the limit.
    #[test]
    fn any_bytes_parse_without_panic_within_the_bound(
        body in proptest::collection::vec(prop_oneof![
            Just(b'\n'), Just(b'\r'), Just(b':'), Just(b' '), Just(0xff), Just(0),
            Just(b'd'), Just(b'a'), Just(b't'), Just(b'i'), Just(b'r'),
        ], 0..200),
    ) {
        let mut parser = EventParser::new(24);
        let mut events = VecDeque::new();
        let _ = parser.feed(&body, &mut events);
        for event in &events {
            prop_assert!(event.data.len() <= 24);
        }
    }
}
