#!/usr/bin/env bash
# Generates Plateau's spoken prompt sets (fr, en) and the music on hold as
# 8 kHz mono 16-bit PCM WAV files under internal/media/prompts/.
#
# Needs espeak-ng and sox (Debian: apt-get install -y espeak-ng sox).
# The output is committed: the Go code and its tests embed the files and
# never need these tools. Re-run after changing a text below, then commit.
#
# File names are the prompt names used by internal/media's Speaker:
# numbers by their digits ("21" does not exist: it is said "20" "et" "1"),
# words and phrases by a short English key.
#
# sox runs with -R (repeatable random numbers) and -D (no dither) so that
# the output is byte-identical from run to run: re-running changes nothing
# unless a text or espeak-ng/sox themselves changed.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/internal/media/prompts"
for tool in espeak-ng sox; do
	command -v "$tool" >/dev/null || { echo "generate.sh: $tool is missing (apt-get install -y espeak-ng sox)" >&2; exit 1; }
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# say LANG VOICE NAME TEXT: synthesise TEXT, trim leading and trailing
# silence, keep 40 ms of silence at each end, normalise to -3 dBFS and
# resample to 8 kHz mono 16-bit.
say() {
	local lang="$1" voice="$2" name="$3" text="$4"
	mkdir -p "$out/$lang"
	espeak-ng -v "$voice" -s 150 -w "$tmp/raw.wav" "$text"
	sox -R -D "$tmp/raw.wav" -r 8000 -c 1 -b 16 -e signed-integer "$out/$lang/$name.wav" \
		silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse \
		pad 0.04 0.04 gain -n -3 rate -v 8000
}

rm -rf "$out/fr" "$out/en"

# French (voice fr, France).
fr() { say fr fr "$1" "$2"; }
fr_numbers=(zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize
	quatorze quinze seize dix-sept dix-huit dix-neuf vingt)
for i in "${!fr_numbers[@]}"; do fr "$i" "${fr_numbers[$i]}"; done
fr 1f "une"
fr 30 "trente"; fr 40 "quarante"; fr 50 "cinquante"; fr 60 "soixante"; fr 80 "quatre-vingt"
fr et "et"; fr cent "cent"; fr mille "mille"
fr minute "minute"; fr minutes "minutes"; fr second "seconde"; fr seconds "secondes"
fr welcome "Bonjour, et bienvenue. Un conseiller va prendre votre appel."
fr position "Vous êtes en position"
fr next "Vous êtes le prochain à être servi."
fr wait "Temps d'attente estimé :"
fr under_minute "moins d'une minute"
fr callback "Pour être rappelé sans perdre votre place, appuyez sur 1."
fr callback_number "Nous vous rappellerons au"
fr callback_confirm "Pour confirmer, appuyez sur 1. Pour donner un autre numéro, composez-le puis appuyez sur dièse."
fr callback_ok "C'est noté. Un conseiller vous rappellera dès que ce sera votre tour. Au revoir."
fr closed "Notre service est fermé. Merci de rappeler pendant nos heures d'ouverture."
fr recording "Cet appel peut être enregistré."
fr hold "Merci de patienter."
fr menu_zero "Pour parler à un conseiller, appuyez sur 0."
fr unavailable "Nous ne pouvons pas prendre votre appel pour le moment. Merci de rappeler dans quelques instants."
fr survey "Merci pour votre appel. Pour noter ce service, appuyez sur une touche de 1, pas satisfait, à 5, très satisfait."
fr survey_thanks "Merci pour votre avis. Au revoir."

# English (voice en-gb).
en() { say en en-gb "$1" "$2"; }
en_numbers=(zero one two three four five six seven eight nine ten eleven twelve
	thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty)
for i in "${!en_numbers[@]}"; do en "$i" "${en_numbers[$i]}"; done
en 30 "thirty"; en 40 "forty"; en 50 "fifty"; en 60 "sixty"; en 70 "seventy"; en 80 "eighty"; en 90 "ninety"
en hundred "hundred"; en thousand "thousand"
en minute "minute"; en minutes "minutes"; en second "second"; en seconds "seconds"
en welcome "Hello, and welcome. An advisor will take your call."
en position "You are number"
en next "You are next in line."
en wait "Estimated waiting time:"
en under_minute "less than a minute"
en callback "To be called back without losing your place, press 1."
en callback_number "We will call you back on"
en callback_confirm "To confirm, press 1. To give another number, dial it, then press the hash key."
en callback_ok "Thank you. An advisor will call you back when your turn comes. Goodbye."
en closed "Our service is closed. Please call again during our opening hours."
en recording "This call may be recorded."
en hold "Please hold."
en menu_zero "To speak to an advisor, press 0."
en unavailable "We cannot take your call at the moment. Please call again in a few minutes."
en survey "Thank you for your call. To rate our service, press a key from 1, not satisfied, to 5, very satisfied."
en survey_thanks "Thank you for your feedback. Goodbye."

# The demo's voice menu (entry number 1001, plateau demo): a recorded menu
# prompt as an administrator would upload it, kept with the demo.
demo="$root/internal/server/demodata"
mkdir -p "$demo"
espeak-ng -v fr -s 150 -w "$tmp/raw.wav" "Pour une question technique, appuyez sur 1. Pour une question commerciale, appuyez sur 2."
sox -R -D "$tmp/raw.wav" -r 8000 -c 1 -b 16 -e signed-integer "$demo/menu-fr.wav" \
	silence 1 0.01 0.5% reverse silence 1 0.01 0.5% reverse \
	pad 0.04 0.04 gain -n -3 rate -v 8000

# Music on hold: a soft plucked arpeggio over C, A minor, F, G (16 s, loops cleanly).
notes=(C4 E4 G4 C5  A3 C4 E4 A4  F3 A3 C4 F4  G3 B3 D4 G4)
parts=()
for pass in 1 2; do
	for i in "${!notes[@]}"; do
		f="$tmp/n$pass-$i.wav"
		sox -R -D -n -r 8000 -c 1 -b 16 "$f" synth 0.5 pluck "${notes[$i]}" fade 0 0.5 0.45 gain -14
		parts+=("$f")
	done
done
sox -R -D "${parts[@]}" -r 8000 -c 1 -b 16 -e signed-integer "$out/moh.wav" lowpass 3000

du -sh "$out" "$demo"
