//! `netpolgen completion bash|zsh|fish`: shell completions, from the same
//! definitions the parser uses.

use clap::CommandFactory;
use clap_complete::Shell;

use super::{Cli, Ctx, Outcome};

/// `netpolgen completion`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  netpolgen completion bash > /etc/bash_completion.d/netpolgen\n  \
    netpolgen completion zsh > \"${fpath[1]}/_netpolgen\"\n  \
    netpolgen completion fish > ~/.config/fish/completions/netpolgen.fish"
)]
pub struct CompletionArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: ShellName,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ShellName {
    Bash,
    Zsh,
    Fish,
}

/// Writes the completion script.
pub fn run(args: &CompletionArgs, ctx: &mut Ctx<'_>) -> Outcome {
    let shell = match args.shell {
        ShellName::Bash => Shell::Bash,
        ShellName::Zsh => Shell::Zsh,
        ShellName::Fish => Shell::Fish,
    };
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "netpolgen", &mut out);
    match ctx.emit(&out) {
        Ok(()) => Outcome::ok(),
        Err(o) => o,
    }
}
