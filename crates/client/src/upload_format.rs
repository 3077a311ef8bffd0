//! A creditor's upload: which topic it goes to and how it is written. JSON lines are read as
//! they are; CSV records go through the contract's one CSV mapping ([`vroeg_codec::csv`]: a header
//! of contract field names, nested fields with a dot, `,` or `;`, a UTF-8 BOM, quoted fields that
//! may span lines, Windows-1252 converted); each is then validated exactly as the pipeline's
//! ingest stage does ([`vroeg_codec::decode_valid_input`]). Format: `docs/UPLOADS.md`.

use vroeg_codec::csv::CsvKind;
use vroeg_domain::contract::messages::InputEvent;

/// Which topic an upload goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicKind {
    /// `vroeg.arrears.v1`: ArrearsEvent.
    Arrears,
    /// `vroeg.objections.v1`: ObjectionEvent.
    Objections,
}

/// How an upload is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadFormat {
    /// One contract JSON object per line.
    Jsonl,
    /// A header of contract field names, then one event per line.
    Csv,
}

impl TopicKind {
    /// The CSV columns this kind accepts, in the documented order.
    pub fn columns(self) -> Vec<&'static str> {
        vroeg_codec::csv::column_names(match self {
            TopicKind::Arrears => CsvKind::Arrears,
            TopicKind::Objections => CsvKind::Objections,
        })
    }

    /// Checks that a valid event belongs on this topic.
    pub fn check(self, event: &InputEvent) -> Result<(), String> {
        match (self, event) {
            (TopicKind::Arrears, InputEvent::Arrears(_))
            | (TopicKind::Objections, InputEvent::Objection(_)) => Ok(()),
            (TopicKind::Arrears, InputEvent::Objection(_)) => Err(
                "an objection/consent event does not belong in an arrears upload \
                 (use --topic-kind objections)"
                    .to_owned(),
            ),
            (TopicKind::Objections, InputEvent::Arrears(_)) => {
                Err("an arrears event does not belong in an objections upload \
                 (use --topic-kind arrears)"
                    .to_owned())
            }
            (_, InputEvent::Feedback(_)) => {
                Err("a feedback event is not a creditor upload".to_owned())
            }
        }
    }
}
