//! `venuecode trust`: install and show the trust bundle.

use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use venuecode::home::{Trust, TrustInstall};
use venuecode::output::{TrustInstalled, TrustShown};
use venuecode::t;

use super::Ctx;

#[derive(Subcommand, Debug)]
pub(crate) enum TrustCmd {
    /// Install a trust bundle in this home. The first bundle must verify on its own (signed by
    /// one of its own RA keys); over an installed bundle only an update signed by one of the
    /// installed RA keys, with a higher sequence, is accepted. Every role (visitor, venue,
    /// authority) reads the authority keys from this bundle and nowhere else.
    #[command(
        after_help = "Example:\n  venuecode --home ./alice trust install ./trust-bundle.bin\n  venuecode --home ./shop trust install /media/usb/trust-bundle.bin"
    )]
    Install {
        /// The bundle file (`authority init` writes authority/trust-bundle.bin).
        file: PathBuf,
    },
    /// Show the installed trust bundle: sequence, keys and URLs.
    #[command(after_help = "Example:\n  venuecode --home ./alice trust show --json")]
    Show,
}

/// Installs a bundle file into the home; `report` prints the outcome on stdout (the `trust
/// install` command), otherwise only a change is noted on stderr.
pub(crate) fn install_bundle(ctx: &Ctx, file: &std::path::Path, report: bool) -> Result<()> {
    let new = Trust::read_file(file)?;
    let outcome = Trust::install(&ctx.home, new.bundle())?;
    let b = new.bundle();
    let what = match outcome {
        TrustInstall::Installed => "installed".to_owned(),
        TrustInstall::Unchanged => "already installed".to_owned(),
        TrustInstall::Updated { from } => format!("updated from sequence {from}"),
    };
    let outcome_text = match outcome {
        TrustInstall::Installed => t!("trust-installed"),
        TrustInstall::Unchanged => t!("trust-unchanged"),
        TrustInstall::Updated { from } => t!("trust-updated", from = from),
    };
    let text = t!(
        "trust-install-line",
        sequence = b.sequence(),
        outcome = outcome_text,
        home = ctx.home.root().display().to_string(),
        key = b.signer_key_id().to_hex(),
        server = b.server_url()
    );
    if report {
        ctx.print(
            TrustInstalled {
                installed: outcome != TrustInstall::Unchanged,
                sequence: b.sequence(),
                outcome: what.to_string(),
            },
            || text,
        );
    } else if outcome != TrustInstall::Unchanged {
        eprintln!("{text}");
    }
    Ok(())
}

pub(crate) fn run_trust(ctx: &Ctx, cmd: TrustCmd) -> Result<()> {
    match cmd {
        TrustCmd::Install { file } => install_bundle(ctx, &file, true),
        TrustCmd::Show => {
            let t = ctx.trust()?;
            let b = t.bundle();
            let body = b.body();
            let hexes = |keys: &[venuecode_protocol::PublicKey]| -> Vec<String> {
                keys.iter().map(|k| hex::encode(k.as_bytes())).collect()
            };
            let ra = hexes(&body.ra_keys);
            let ha = hexes(&body.ha_signing_keys);
            let enc = hex::encode(body.ha_encryption_key.as_bytes());
            ctx.print(
                TrustShown {
                    sequence: b.sequence(),
                    issued_at: ctx.stamp(body.issued_at),
                    signer_key_id: b.signer_key_id().to_hex(),
                    ra_keys: ra.clone(),
                    ha_signing_keys: ha.clone(),
                    ha_encryption_key: enc.clone(),
                    server_url: b.server_url().to_owned(),
                    code_base_url: b.code_base_url().to_owned(),
                },
                || {
                    t!(
                        "trust-show",
                        sequence = b.sequence(),
                        issued = ctx.show(body.issued_at),
                        key = b.signer_key_id().to_hex(),
                        ra = ra.join(", "),
                        ha = ha.join(", "),
                        enc = enc,
                        server = b.server_url(),
                        codes = b.code_base_url()
                    )
                },
            );
            Ok(())
        }
    }
}
