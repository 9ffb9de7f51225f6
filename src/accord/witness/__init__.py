"""The witness: a separate process, with its own key and its own state, that cosigns a log's checkpoints
only when each extends the last one it cosigned (C2SP tlog-witness). See docs/ledger.md, "Witnesses"."""
