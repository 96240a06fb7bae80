//! The name an account shows shoppers next to its messages ("You're chatting with …").

/// The longest display name, in characters: room for a first and last name, and short
/// enough for the widget's one-line status.
pub const MAX_DISPLAY_NAME: usize = 60;

/// Why a display name was refused; the text names the rule for the error answer.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DisplayNameError {
    /// Empty once trimmed.
    #[error("the display name is empty")]
    Empty,
    /// Over [`MAX_DISPLAY_NAME`] characters once trimmed.
    #[error("the display name is {0} characters, the limit is {MAX_DISPLAY_NAME}")]
    TooLong(usize),
    /// A control character (a line break, a tab, an escape) would break the one-line
    /// places the name is shown in.
    #[error("the display name contains a control character")]
    Control,
}

/// The name trimmed, 1 to [`MAX_DISPLAY_NAME`] characters, with no control characters.
pub fn display_name(text: &str) -> Result<String, DisplayNameError> {
    let name = text.trim();
    let len = name.chars().count();
    if len == 0 {
        Err(DisplayNameError::Empty)
    } else if len > MAX_DISPLAY_NAME {
        Err(DisplayNameError::TooLong(len))
    } else if name.chars().any(char::is_control) {
        Err(DisplayNameError::Control)
    } else {
        Ok(name.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_bounds_and_refuses_control_characters() {
        assert_eq!(display_name("  Ana Lima "), Ok("Ana Lima".to_owned()));
        assert_eq!(display_name(" \t "), Err(DisplayNameError::Empty));
        assert_eq!(display_name(&"é".repeat(60)), Ok("é".repeat(60)));
        assert_eq!(
            display_name(&"é".repeat(61)),
            Err(DisplayNameError::TooLong(61))
        );
        assert_eq!(display_name("Ana\nLima"), Err(DisplayNameError::Control));
        assert_eq!(
            display_name("Ana\u{1b}[31m"),
            Err(DisplayNameError::Control)
        );
    }
}
