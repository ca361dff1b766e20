//! Standard input.

use std::io::{IsTerminal, Read};

/// All of stdin as text.
pub fn read_stdin() -> std::io::Result<String> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    Ok(text)
}

/// True when stdin is a terminal (nothing is piped in).
pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}
