//! Reasons in words a caseworker understands. Dutch, because the people who read them work in
//! Dutch; amounts in Dutch notation (`EUR 512,40`).

use chrono::NaiveDate;

use crate::money::Money;
use crate::sector::Sector;

/// The person objected to signals from this creditor.
pub(crate) fn objection(sector: Sector) -> String {
    format!("{sector}: de inwoner heeft bezwaar gemaakt tegen het delen van gegevens")
}

/// `1 herinnering` / `3 herinneringen`.
pub(crate) fn reminders(n: u32) -> String {
    if n == 1 {
        "1 herinnering".to_owned()
    } else {
        format!("{n} herinneringen")
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
) -> String {
    let mut s = format!(
        "{sector}: {days} dagen achterstand van {}; {}; geen bezwaar",
        amount.dutch(),
        reminders(reminders_sent)
    );
    if crisis {
        s.push_str("; CRISIS: dreigende uithuiszetting of afsluiting");
    }
    if let Some(d) = end_of_supply {
        s.push_str(&format!("; einde levering op {d}"));
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
