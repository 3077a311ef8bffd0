//! Reasons in words a caseworker understands. Dutch, because the people who read them work in
//! Dutch; amounts in Dutch notation (`EUR 512,40`).

use std::fmt::Write as _;

use chrono::NaiveDate;

use crate::contract::money::Money;
use crate::contract::sector::Sector;
use crate::contract::text::push_u32;

/// The person objected to signals from this creditor.
pub(crate) fn objection(sector: Sector) -> String {
    format!("{sector}: de inwoner heeft bezwaar gemaakt tegen het delen van gegevens")
}

/// `1 herinnering` / `3 herinneringen`.
pub(crate) fn reminders(n: u32) -> String {
    let mut s = String::with_capacity(16);
    push_reminders(&mut s, n);
    s
}

/// Appends [`reminders`].
fn push_reminders(out: &mut String, n: u32) {
    if n == 1 {
        out.push_str("1 herinnering");
    } else {
        push_u32(out, n);
        out.push_str(" herinneringen");
    }
}

/// The per-signal line of a task, e.g.
/// `HUUR: 44 dagen achterstand van EUR 512,40; 1 herinnering; geen bezwaar`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn signal_line(
    sector: Sector,
    days: u32,
    amount: Money,
    reminders_sent: u32,
    crisis: bool,
    warm_handover: bool,
    end_of_supply: Option<NaiveDate>,
    updated_signal: bool,
    resolved: bool,
    objected: bool,
) -> String {
    // Built with `push_str` rather than `format!`: this line is made for every signal of every
    // task version, and `core::fmt` was a measurable part of the household stage.
    let mut s = String::with_capacity(160);
    s.push_str(sector.as_str());
    s.push_str(": ");
    push_u32(&mut s, days);
    s.push_str(" dagen achterstand van ");
    amount.write_dutch(&mut s);
    s.push_str("; ");
    push_reminders(&mut s, reminders_sent);
    // True in every case (issue #8): an objecting creditor's signals leave the task at once, so
    // this says "bezwaar" only should one ever be shown while its objection stands.
    s.push_str(if objected {
        "; de inwoner heeft bezwaar gemaakt"
    } else {
        "; geen bezwaar"
    });
    if crisis {
        s.push_str("; CRISIS: dreigende uithuiszetting of afsluiting");
    }
    if let Some(d) = end_of_supply {
        let _ = write!(s, "; einde levering op {d}");
    }
    if warm_handover {
        s.push_str("; warme overdracht: schuldeiser heeft al contact");
    }
    if updated_signal {
        s.push_str("; geactualiseerd signaal (achterstand langer dan 100 dagen)");
    }
    if resolved {
        s.push_str("; inmiddels zelf betaald of betalingsregeling getroffen");
    }
    s
}
