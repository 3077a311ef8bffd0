//! The DDAS Vroegsignalering v1.2 enumerations, with exactly the official strings
//! (`../shared/ddas/v1.2/json_schema_Uitwisselmodel.json`, `$defs`).

use serde::{Deserialize, Serialize};

/// DDAS `EnumContactsoort`: how a contact attempt was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Contactsoort {
    /// `Administratief`
    #[serde(rename = "Administratief")]
    Administratief,
    /// `Afspraak op locatie`
    #[serde(rename = "Afspraak op locatie")]
    AfspraakOpLocatie,
    /// `Brief`
    #[serde(rename = "Brief")]
    Brief,
    /// `Huisbezoek`
    #[serde(rename = "Huisbezoek")]
    Huisbezoek,
    /// `Kaartje`
    #[serde(rename = "Kaartje")]
    Kaartje,
    /// `Mail`
    #[serde(rename = "Mail")]
    Mail,
    /// `Onbekend`
    #[serde(rename = "Onbekend")]
    Onbekend,
    /// `Overige`
    #[serde(rename = "Overige")]
    Overige,
    /// `SMS/Whatsapp`
    #[serde(rename = "SMS/Whatsapp")]
    SmsWhatsapp,
    /// `Telefoon`
    #[serde(rename = "Telefoon")]
    Telefoon,
}

impl Contactsoort {
    /// Every value, in the schema's order.
    pub const ALL: [Contactsoort; 10] = [
        Contactsoort::Administratief,
        Contactsoort::AfspraakOpLocatie,
        Contactsoort::Brief,
        Contactsoort::Huisbezoek,
        Contactsoort::Kaartje,
        Contactsoort::Mail,
        Contactsoort::Onbekend,
        Contactsoort::Overige,
        Contactsoort::SmsWhatsapp,
        Contactsoort::Telefoon,
    ];

    /// The official string.
    pub fn as_str(self) -> &'static str {
        match self {
            Contactsoort::Administratief => "Administratief",
            Contactsoort::AfspraakOpLocatie => "Afspraak op locatie",
            Contactsoort::Brief => "Brief",
            Contactsoort::Huisbezoek => "Huisbezoek",
            Contactsoort::Kaartje => "Kaartje",
            Contactsoort::Mail => "Mail",
            Contactsoort::Onbekend => "Onbekend",
            Contactsoort::Overige => "Overige",
            Contactsoort::SmsWhatsapp => "SMS/Whatsapp",
            Contactsoort::Telefoon => "Telefoon",
        }
    }

    /// Parses the official string exactly.
    pub fn parse(s: &str) -> Option<Contactsoort> {
        Contactsoort::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for Contactsoort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// DDAS `EnumDagdeel`: part of the day of a contact attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Dagdeel {
    /// `Ochtend`
    #[serde(rename = "Ochtend")]
    Ochtend,
    /// `Middag`
    #[serde(rename = "Middag")]
    Middag,
    /// `Avond`
    #[serde(rename = "Avond")]
    Avond,
}

impl Dagdeel {
    /// Every value, in the schema's order.
    pub const ALL: [Dagdeel; 3] = [Dagdeel::Ochtend, Dagdeel::Middag, Dagdeel::Avond];

    /// The official string.
    pub fn as_str(self) -> &'static str {
        match self {
            Dagdeel::Ochtend => "Ochtend",
            Dagdeel::Middag => "Middag",
            Dagdeel::Avond => "Avond",
        }
    }

    /// Parses the official string exactly.
    pub fn parse(s: &str) -> Option<Dagdeel> {
        Dagdeel::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for Dagdeel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// DDAS `EnumEindresultaat`: the result that closes a case (`vroegsignaalzaak`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Eindresultaat {
    /// `(Budget)advies en/of quick fix`
    #[serde(rename = "(Budget)advies en/of quick fix")]
    BudgetadviesOfQuickFix,
    /// `Definitief geen contact kunnen krijgen`
    #[serde(rename = "Definitief geen contact kunnen krijgen")]
    DefinitiefGeenContactKunnenKrijgen,
    /// `Geen reactie na eerder contact`
    #[serde(rename = "Geen reactie na eerder contact")]
    GeenReactieNaEerderContact,
    /// `Inwoner al bekend bij schuldhulpverlening`
    #[serde(rename = "Inwoner al bekend bij schuldhulpverlening")]
    InwonerAlBekendBijSchuldhulpverlening,
    /// `Inwoner heeft al een ander lopend traject`
    #[serde(rename = "Inwoner heeft al een ander lopend traject")]
    InwonerHeeftAlEenAnderLopendTraject,
    /// `Inwoner heeft zelf al betaald/betalingsregeling getroffen`
    #[serde(rename = "Inwoner heeft zelf al betaald/betalingsregeling getroffen")]
    InwonerHeeftZelfAlBetaaldBetalingsregelingGetroffen,
    /// `Inwoner is overleden`
    #[serde(rename = "Inwoner is overleden")]
    InwonerIsOverleden,
    /// `Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering`
    #[serde(rename = "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering")]
    InwonerRegeltHetZelfHoeftGeenHulpVanuitVroegsignalering,
    /// `Niet opgepakt: andere reden`
    #[serde(rename = "Niet opgepakt: andere reden")]
    NietOpgepaktAndereReden,
    /// `Niet opgepakt: herhaalde melding`
    #[serde(rename = "Niet opgepakt: herhaalde melding")]
    NietOpgepaktHerhaaldeMelding,
    /// `Niet opgepakt: onterecht signaal`
    #[serde(rename = "Niet opgepakt: onterecht signaal")]
    NietOpgepaktOnterechtSignaal,
    /// `Persoon is geen inwoner (meer) in de gemeente`
    #[serde(rename = "Persoon is geen inwoner (meer) in de gemeente")]
    PersoonIsGeenInwonerMeerInDeGemeente,
    /// `Vervolghulp en/of verwijzing`
    #[serde(rename = "Vervolghulp en/of verwijzing")]
    VervolghulpEnOfVerwijzing,
    /// `Vervolghulp en/of verwijzing financieel`
    #[serde(rename = "Vervolghulp en/of verwijzing financieel")]
    VervolghulpEnOfVerwijzingFinancieel,
    /// `Vervolghulp en/of verwijzing niet financieel`
    #[serde(rename = "Vervolghulp en/of verwijzing niet financieel")]
    VervolghulpEnOfVerwijzingNietFinancieel,
    /// `Verwijzing zonder tussenkomst inwoner`
    #[serde(rename = "Verwijzing zonder tussenkomst inwoner")]
    VerwijzingZonderTussenkomstInwoner,
}

impl Eindresultaat {
    /// Every value, in the schema's order.
    pub const ALL: [Eindresultaat; 16] = [
        Eindresultaat::BudgetadviesOfQuickFix,
        Eindresultaat::DefinitiefGeenContactKunnenKrijgen,
        Eindresultaat::GeenReactieNaEerderContact,
        Eindresultaat::InwonerAlBekendBijSchuldhulpverlening,
        Eindresultaat::InwonerHeeftAlEenAnderLopendTraject,
        Eindresultaat::InwonerHeeftZelfAlBetaaldBetalingsregelingGetroffen,
        Eindresultaat::InwonerIsOverleden,
        Eindresultaat::InwonerRegeltHetZelfHoeftGeenHulpVanuitVroegsignalering,
        Eindresultaat::NietOpgepaktAndereReden,
        Eindresultaat::NietOpgepaktHerhaaldeMelding,
        Eindresultaat::NietOpgepaktOnterechtSignaal,
        Eindresultaat::PersoonIsGeenInwonerMeerInDeGemeente,
        Eindresultaat::VervolghulpEnOfVerwijzing,
        Eindresultaat::VervolghulpEnOfVerwijzingFinancieel,
        Eindresultaat::VervolghulpEnOfVerwijzingNietFinancieel,
        Eindresultaat::VerwijzingZonderTussenkomstInwoner,
    ];

    /// The official string.
    pub fn as_str(self) -> &'static str {
        match self {
            Eindresultaat::BudgetadviesOfQuickFix => "(Budget)advies en/of quick fix",
            Eindresultaat::DefinitiefGeenContactKunnenKrijgen => {
                "Definitief geen contact kunnen krijgen"
            }
            Eindresultaat::GeenReactieNaEerderContact => "Geen reactie na eerder contact",
            Eindresultaat::InwonerAlBekendBijSchuldhulpverlening => {
                "Inwoner al bekend bij schuldhulpverlening"
            }
            Eindresultaat::InwonerHeeftAlEenAnderLopendTraject => {
                "Inwoner heeft al een ander lopend traject"
            }
            Eindresultaat::InwonerHeeftZelfAlBetaaldBetalingsregelingGetroffen => {
                "Inwoner heeft zelf al betaald/betalingsregeling getroffen"
            }
            Eindresultaat::InwonerIsOverleden => "Inwoner is overleden",
            Eindresultaat::InwonerRegeltHetZelfHoeftGeenHulpVanuitVroegsignalering => {
                "Inwoner regelt het zelf/hoeft geen hulp vanuit vroegsignalering"
            }
            Eindresultaat::NietOpgepaktAndereReden => "Niet opgepakt: andere reden",
            Eindresultaat::NietOpgepaktHerhaaldeMelding => "Niet opgepakt: herhaalde melding",
            Eindresultaat::NietOpgepaktOnterechtSignaal => "Niet opgepakt: onterecht signaal",
            Eindresultaat::PersoonIsGeenInwonerMeerInDeGemeente => {
                "Persoon is geen inwoner (meer) in de gemeente"
            }
            Eindresultaat::VervolghulpEnOfVerwijzing => "Vervolghulp en/of verwijzing",
            Eindresultaat::VervolghulpEnOfVerwijzingFinancieel => {
                "Vervolghulp en/of verwijzing financieel"
            }
            Eindresultaat::VervolghulpEnOfVerwijzingNietFinancieel => {
                "Vervolghulp en/of verwijzing niet financieel"
            }
            Eindresultaat::VerwijzingZonderTussenkomstInwoner => {
                "Verwijzing zonder tussenkomst inwoner"
            }
        }
    }

    /// Parses the official string exactly.
    pub fn parse(s: &str) -> Option<Eindresultaat> {
        Eindresultaat::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for Eindresultaat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// DDAS `EnumSignaalpartner`: the kind of creditor that signalled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Signaalpartner {
    /// `Belastingdienst`
    #[serde(rename = "Belastingdienst")]
    Belastingdienst,
    /// `CAK Eigen bijdrage`
    #[serde(rename = "CAK Eigen bijdrage")]
    CakEigenBijdrage,
    /// `CAK Zorgverzekeringen`
    #[serde(rename = "CAK Zorgverzekeringen")]
    CakZorgverzekeringen,
    /// `Dienst Toeslagen`
    #[serde(rename = "Dienst Toeslagen")]
    DienstToeslagen,
    /// `DUO`
    #[serde(rename = "DUO")]
    Duo,
    /// `Energie`
    #[serde(rename = "Energie")]
    Energie,
    /// `Huur`
    #[serde(rename = "Huur")]
    Huur,
    /// `Hypotheek`
    #[serde(rename = "Hypotheek")]
    Hypotheek,
    /// `Overige`
    #[serde(rename = "Overige")]
    Overige,
    /// `Water`
    #[serde(rename = "Water")]
    Water,
    /// `Zorg`
    #[serde(rename = "Zorg")]
    Zorg,
}

impl Signaalpartner {
    /// Every value, in the schema's order.
    pub const ALL: [Signaalpartner; 11] = [
        Signaalpartner::Belastingdienst,
        Signaalpartner::CakEigenBijdrage,
        Signaalpartner::CakZorgverzekeringen,
        Signaalpartner::DienstToeslagen,
        Signaalpartner::Duo,
        Signaalpartner::Energie,
        Signaalpartner::Huur,
        Signaalpartner::Hypotheek,
        Signaalpartner::Overige,
        Signaalpartner::Water,
        Signaalpartner::Zorg,
    ];

    /// The official string.
    pub fn as_str(self) -> &'static str {
        match self {
            Signaalpartner::Belastingdienst => "Belastingdienst",
            Signaalpartner::CakEigenBijdrage => "CAK Eigen bijdrage",
            Signaalpartner::CakZorgverzekeringen => "CAK Zorgverzekeringen",
            Signaalpartner::DienstToeslagen => "Dienst Toeslagen",
            Signaalpartner::Duo => "DUO",
            Signaalpartner::Energie => "Energie",
            Signaalpartner::Huur => "Huur",
            Signaalpartner::Hypotheek => "Hypotheek",
            Signaalpartner::Overige => "Overige",
            Signaalpartner::Water => "Water",
            Signaalpartner::Zorg => "Zorg",
        }
    }

    /// Parses the official string exactly.
    pub fn parse(s: &str) -> Option<Signaalpartner> {
        Signaalpartner::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for Signaalpartner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// DDAS `EnumSignaalstatus`: what became of one signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Signaalstatus {
    /// `Inwoner al bekend bij schuldhulpverlening`
    #[serde(rename = "Inwoner al bekend bij schuldhulpverlening")]
    InwonerAlBekendBijSchuldhulpverlening,
    /// `Inwoner is overleden`
    #[serde(rename = "Inwoner is overleden")]
    InwonerIsOverleden,
    /// `Niet opgepakt: andere reden`
    #[serde(rename = "Niet opgepakt: andere reden")]
    NietOpgepaktAndereReden,
    /// `Niet opgepakt: herhaalde melding`
    #[serde(rename = "Niet opgepakt: herhaalde melding")]
    NietOpgepaktHerhaaldeMelding,
    /// `Niet opgepakt: onterecht signaal`
    #[serde(rename = "Niet opgepakt: onterecht signaal")]
    NietOpgepaktOnterechtSignaal,
    /// `Nog niet opgepakt`
    #[serde(rename = "Nog niet opgepakt")]
    NogNietOpgepakt,
    /// `Opgepakt`
    #[serde(rename = "Opgepakt")]
    Opgepakt,
    /// `Persoon is geen inwoner (meer) in de gemeente`
    #[serde(rename = "Persoon is geen inwoner (meer) in de gemeente")]
    PersoonIsGeenInwonerMeerInDeGemeente,
}

impl Signaalstatus {
    /// Every value, in the schema's order.
    pub const ALL: [Signaalstatus; 8] = [
        Signaalstatus::InwonerAlBekendBijSchuldhulpverlening,
        Signaalstatus::InwonerIsOverleden,
        Signaalstatus::NietOpgepaktAndereReden,
        Signaalstatus::NietOpgepaktHerhaaldeMelding,
        Signaalstatus::NietOpgepaktOnterechtSignaal,
        Signaalstatus::NogNietOpgepakt,
        Signaalstatus::Opgepakt,
        Signaalstatus::PersoonIsGeenInwonerMeerInDeGemeente,
    ];

    /// The official string.
    pub fn as_str(self) -> &'static str {
        match self {
            Signaalstatus::InwonerAlBekendBijSchuldhulpverlening => {
                "Inwoner al bekend bij schuldhulpverlening"
            }
            Signaalstatus::InwonerIsOverleden => "Inwoner is overleden",
            Signaalstatus::NietOpgepaktAndereReden => "Niet opgepakt: andere reden",
            Signaalstatus::NietOpgepaktHerhaaldeMelding => "Niet opgepakt: herhaalde melding",
            Signaalstatus::NietOpgepaktOnterechtSignaal => "Niet opgepakt: onterecht signaal",
            Signaalstatus::NogNietOpgepakt => "Nog niet opgepakt",
            Signaalstatus::Opgepakt => "Opgepakt",
            Signaalstatus::PersoonIsGeenInwonerMeerInDeGemeente => {
                "Persoon is geen inwoner (meer) in de gemeente"
            }
        }
    }

    /// Parses the official string exactly.
    pub fn parse(s: &str) -> Option<Signaalstatus> {
        Signaalstatus::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for Signaalstatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
