//! Money as exact decimals with their currency. Totals come from the shop as text ("199.00")
//! and are shown back to shoppers and agents; a binary float would turn 0.1 + 0.2 into
//! 0.30000000000000004 and round a refund wrongly, so nothing here is an `f64`.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An ISO 4217 currency code: three ASCII letters, kept upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

/// Why a currency code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a three-letter ISO 4217 code such as EUR or USD")]
pub struct CurrencyError;

impl Currency {
    /// Checks and upper-cases a code.
    pub fn parse(text: &str) -> Result<Self, CurrencyError> {
        let t = text.trim();
        if t.len() == 3 && t.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Currency(t.to_ascii_uppercase()))
        } else {
            Err(CurrencyError)
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The sign shown before an amount for the currencies shops use most; others print
    /// their code after the amount.
    fn symbol(&self) -> Option<&'static str> {
        match self.0.as_str() {
            "EUR" => Some("€"),
            "USD" => Some("$"),
            "GBP" => Some("£"),
            "JPY" => Some("¥"),
            _ => None,
        }
    }

    /// Minor units shown: none for the yen, two for the rest (what shops print).
    fn decimals(&self) -> u32 {
        match self.0.as_str() {
            "JPY" | "KRW" | "HUF" | "CLP" | "ISK" => 0,
            _ => 2,
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An amount in a currency: a customer's total spent, an order's total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Money {
    /// The exact amount, serialised as text ("199.00").
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// Its currency.
    #[schema(value_type = String)]
    pub currency: Currency,
}

impl Money {
    /// A new amount.
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// As a shopper reads it: `€1,234.50`, `$12.00`, `¥1,200`, `12.50 CHF`.
    pub fn formatted(&self) -> String {
        format_amount(self.amount, &self.currency)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.formatted())
    }
}

/// `amount` in `currency` as a shopper reads it, rounded half away from zero to the
/// currency's minor units, with thousands separated by commas.
pub fn format_amount(amount: Decimal, currency: &Currency) -> String {
    let places = currency.decimals();
    let rounded =
        amount.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.*}", places as usize, rounded.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((text.as_str(), ""));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if !fraction.is_empty() {
        grouped.push('.');
        grouped.push_str(fraction);
    }
    let sign = if rounded.is_sign_negative() && !rounded.is_zero() {
        "-"
    } else {
        ""
    };
    match currency.symbol() {
        Some(symbol) => format!("{sign}{symbol}{grouped}"),
        None => format!("{sign}{grouped} {currency}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn amounts_are_exact_and_formatted_with_their_currency() {
        let eur = Currency::parse("eur").unwrap();
        assert_eq!(format_amount(d("1234.5"), &eur), "€1,234.50");
        assert_eq!(format_amount(d("0.1") + d("0.2"), &eur), "€0.30");
        assert_eq!(format_amount(d("2.005"), &eur), "€2.01");
        assert_eq!(format_amount(d("-12"), &eur), "-€12.00");
        let chf = Currency::parse("CHF").unwrap();
        assert_eq!(format_amount(d("1234567.891"), &chf), "1,234,567.89 CHF");
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(format_amount(d("1200"), &jpy), "¥1,200");
    }

    #[test]
    fn money_travels_as_text_and_reads_numbers_exactly() {
        let m = Money::new(d("199.00"), Currency::parse("USD").unwrap());
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["amount"], "199.00");
        let back: Money = serde_json::from_str(r#"{"amount": 19.99, "currency": "usd"}"#).unwrap();
        assert_eq!(back.amount, d("19.99"));
        assert!(Currency::parse("EURO").is_err() && Currency::parse("E1R").is_err());
    }
}
