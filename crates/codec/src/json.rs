//! The JSON forms (CONTRACT.md).
//!
//! The domain types' serde derives *are* the contract's JSON form, so this module only adds
//! strictness plumbing: field paths for every error (`serde_path_to_error`), no trailing data,
//! and the `event_id` of a rejected input where it can be read.

use serde::Serialize;
use serde::de::DeserializeOwned;
use vroeg_domain::contract::messages::{ArrearsEvent, FeedbackEvent, InputEvent, ObjectionEvent};

use crate::DecodeError;

/// Decodes one JSON object strictly into `T`, naming the field of any problem.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    strict(bytes).map_err(|e| e.with_event_id(peek_event_id(bytes)))
}

fn strict<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    // Untracked first (path tracking costs on every field); tracked again only on error.
    if let Ok(v) = serde_json::from_slice(bytes) {
        return Ok(v);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| DecodeError::at_path(e.path(), e.inner().to_string()))?;
    de.end()
        .map_err(|e| DecodeError::single("", format!("trailing data: {e}")))?;
    Ok(value)
}

/// The `event_id` of a JSON object, if it has a string one (best effort, for rejections).
fn peek_event_id(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Peek {
        event_id: Option<String>,
    }
    serde_json::from_slice::<Peek>(bytes).ok()?.event_id
}

fn peek_event_type(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Peek {
        event_type: Option<String>,
    }
    serde_json::from_slice::<Peek>(bytes).ok()?.event_type
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sniffed {
    Arrears,
    Objection,
    Feedback,
}

/// Finds the first `"event_type"` key followed by `:` and a string value, without parsing.
fn sniff_event_type(bytes: &[u8]) -> Option<Sniffed> {
    const KEY: &[u8] = b"\"event_type\"";
    // Candidates start at a quote; comparing only there keeps this a cheap scan (a comparison at
    // every byte offset cost more than the rest of the sniff).
    let mut from = 0;
    let at = loop {
        let q = from + bytes.get(from..)?.iter().position(|b| *b == b'"')?;
        if bytes[q..].starts_with(KEY) {
            break q;
        }
        from = q + 1;
    };
    let rest = &bytes[at + KEY.len()..];
    let rest = rest
        .trim_ascii_start()
        .strip_prefix(b":")?
        .trim_ascii_start();
    let rest = rest.strip_prefix(b"\"")?;
    let end = rest.iter().position(|b| *b == b'"')?;
    match &rest[..end] {
        b"ARREARS" | b"RESOLVED" => Some(Sniffed::Arrears),
        b"OBJECTION" | b"OBJECTION_WITHDRAWN" | b"CONSENT_GIVEN" | b"CONSENT_WITHDRAWN" => {
            Some(Sniffed::Objection)
        }
        b"CONTACT_ATTEMPT" | b"CASE_RESULT" => Some(Sniffed::Feedback),
        _ => None,
    }
}

/// Decodes any JSON input message, choosing the type by its `event_type`. JSON only; the
/// crate-level [`crate::decode_input`] also accepts Avro.
pub fn decode_input(bytes: &[u8]) -> Result<InputEvent, DecodeError> {
    // Fast path: guess the message type from the raw `"event_type":"…"` text and decode once.
    // The guess only picks which strict decoder runs — that decoder checks `event_type` itself —
    // so a wrong guess (the text also occurring inside a string value) just falls through to the
    // careful path below, which also produces the precise error.
    // The line's UTF-8 is checked once here, so the parser can read it as `str` and skip the
    // per-string check; invalid UTF-8 goes to the careful path, which reports it.
    if let Some(kind) = sniff_event_type(bytes)
        && let Ok(text) = std::str::from_utf8(bytes)
    {
        let fast = match kind {
            Sniffed::Arrears => serde_json::from_str(text).map(InputEvent::Arrears),
            Sniffed::Objection => serde_json::from_str(text).map(InputEvent::Objection),
            Sniffed::Feedback => serde_json::from_str(text).map(InputEvent::Feedback),
        };
        if let Ok(event) = fast {
            return Ok(event);
        }
    }
    let result = match peek_event_type(bytes).as_deref() {
        Some("ARREARS" | "RESOLVED") => strict::<ArrearsEvent>(bytes).map(InputEvent::Arrears),
        Some("OBJECTION" | "OBJECTION_WITHDRAWN" | "CONSENT_GIVEN" | "CONSENT_WITHDRAWN") => {
            strict::<ObjectionEvent>(bytes).map(InputEvent::Objection)
        }
        Some("CONTACT_ATTEMPT" | "CASE_RESULT") => {
            strict::<FeedbackEvent>(bytes).map(InputEvent::Feedback)
        }
        Some(other) => Err(DecodeError::single(
            "event_type",
            format!("unknown event_type {other:?}"),
        )),
        None => Err(DecodeError::single(
            "event_type",
            "missing, or the input is not a JSON object",
        )),
    };
    result.map_err(|e| e.with_event_id(peek_event_id(bytes)))
}

/// Appends the JSON form of a value (no trailing newline).
pub fn encode_json<T: Serialize>(value: &T, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    serde_json::to_writer(out, value)
}
