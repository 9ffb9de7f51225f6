#!/bin/sh
# The US-funded removal flight from Panama to Colombia, recorded step by step through the CLI on the
# database of ACCORD_DATABASE_URL, then shown by the reports. Run from the repository root:
#   ACCORD_DATABASE_URL=sqlite:///./pan.db ACCORD_LEDGER_KEYRING=pan-keyring.json sh examples/pan-col-2025.sh
set -eu
accord=${ACCORD:-.venv/bin/accord}
$accord import examples/pan-col-2025.yaml
$accord ledger init --origin accord-pan
$accord ledger org add PAN-SNM --name "Servicio Nacional de Migración (Panamá)" --country PAN
$accord ledger org add COL-MIGRACION --name "Migración Colombia" --country COL
for custodian in PAN-SNM PAN-SNM-ESCORT; do
  $accord ledger custodian add $custodian --org PAN-SNM
done
$accord ledger custodian add COL-MIGRACION --org COL-MIGRACION
$accord flight add examples/flights/pan-bog-2025.yaml --at 2025-03-25T10:00:00-05:00
$accord manifest plan PTY-BOG-1 --at 2025-03-26T09:00:00-05:00 --apply
$accord manifest lock PTY-BOG-1 --at 2025-03-27T07:00:00-05:00
grep -E "^  - id: PA|reference:" examples/pan-col-2025.yaml | paste - - | sed -E 's/.*id: (PA[0-9]+).*reference: ([A-Z0-9-]+).*/\1 \2/' |
  while read -r person reference; do
    $accord board PTY-BOG-1 --person "$person" --identity "$reference" --at 2025-03-27T09:30:00-05:00 >/dev/null
  done
$accord depart PTY-BOG-1 --at 2025-03-27T10:00:00-05:00
$accord arrive PTY-BOG-1 --leg 1 --at 2025-03-27T12:05:00-05:00
$accord report monthly-removals --as-of 2025-03-31T23:59:00-05:00 --from 2025-03 --to 2025-03
$accord report examples/reports/removals-by-sex.yaml --as-of 2025-03-31T23:59:00-05:00 --from 2025-03 --to 2025-03
