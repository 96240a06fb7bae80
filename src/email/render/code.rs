//! The one-time code email: the digits, what they are for and how long they last, and what
//! to do if the reader did not ask for one.

use super::Body;

/// Subject and body of a code email.
pub fn code(shop: &str, code: &str, minutes: u64) -> (String, Body) {
    let mut body = Body::new();
    body.para(&format!("Your code for the chat on {shop}'s website is:"))
        .para(code)
        .para(&format!(
            "Enter it in the chat within {minutes} minutes to see the orders placed with this \
         address. If you did not ask for it, you can ignore this email: nothing is shown \
         without the code."
        ))
        .footer(&format!(
            "Sent because a code was asked for this address in {shop}'s chat."
        ));
    (format!("{code} is your code for {shop}"), body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_code_is_in_the_subject_and_body() {
        let (subject, body) = super::code("Shop", "482913", 10);
        let (text, html) = body.finish();
        assert_eq!(subject, "482913 is your code for Shop");
        assert!(text.contains("\n482913\n"));
        assert!(html.contains("<p>482913</p>"));
        assert!(text.contains("within 10 minutes"));
    }
}
