//! The bodies of each kind of email, as plain text and as simple HTML in which every piece
//! of shopper, agent or owner text is escaped (a message that looks like HTML arrives as the
//! characters it was typed with). One file per kind; [`Body`] is the shared layout so every
//! email looks alike and no kind writes HTML by hand.

pub mod reply;

/// Text and HTML built side by side from the same blocks.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Body {
    text: String,
    html: String,
}

/// `&`, `<`, `>`, `"` and `'` as entities: text placed in HTML stays text.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped text with its line breaks kept as `<br>`.
fn escape_lines(text: &str) -> String {
    escape(text).replace("\r\n", "\n").replace('\n', "<br>\n")
}

impl Body {
    /// An empty body.
    pub fn new() -> Body {
        Body::default()
    }

    /// A paragraph.
    pub fn para(&mut self, text: &str) -> &mut Body {
        self.text.push_str(text);
        self.text.push_str("\n\n");
        self.html.push_str("<p>");
        self.html.push_str(&escape_lines(text));
        self.html.push_str("</p>\n");
        self
    }

    /// A message in a conversation: who wrote it (and when, already formatted), then what.
    pub fn message(&mut self, who: &str, when: &str, text: &str) -> &mut Body {
        self.text.push_str(&format!("{who} ({when}):\n{text}\n\n"));
        self.html.push_str(&format!(
            "<p style=\"margin:0 0 4px;color:#555;font-size:13px\"><b>{}</b> · {}</p>\n\
             <p style=\"margin:0 0 16px;padding-left:10px;border-left:3px solid #ddd\">{}</p>\n",
            escape(who),
            escape(when),
            escape_lines(text)
        ));
        self
    }

    /// A line set apart in small print (why the reader got this email, how to stop it).
    pub fn footer(&mut self, text: &str) -> &mut Body {
        self.text.push_str("-- \n");
        self.text.push_str(text);
        self.text.push('\n');
        self.html.push_str("<hr style=\"border:0;border-top:1px solid #ddd\">\n<p style=\"color:#777;font-size:12px\">");
        self.html.push_str(&escape_lines(text));
        self.html.push_str("</p>\n");
        self
    }

    /// The plain text and the complete HTML document.
    pub fn finish(&self) -> (String, String) {
        let html = format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\
             <body style=\"font-family:sans-serif;font-size:15px;line-height:1.4;color:#222\">\n{}</body></html>\n",
            self.html
        );
        (self.text.trim_end().to_owned() + "\n", html)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_looks_like_html_is_escaped_in_the_html_part_only() {
        let mut body = Body::new();
        body.message("Ann <admin>", "10:00", "<script>alert(1)</script>\n& more")
            .footer("You wrote to \"Shop\".");
        let (text, html) = body.finish();
        assert!(text.contains("<script>alert(1)</script>"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;<br>\n&amp; more"));
        assert!(html.contains("Ann &lt;admin&gt;"));
        assert!(html.contains("&quot;Shop&quot;"));
    }
}
