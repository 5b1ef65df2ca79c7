package media

// Prompts of the callback confirmation: "we will call you back on" (then
// the number, digit by digit), "press 1 to confirm, or dial another number
// then #".
const (
	PromptCallbackNumber  = "callback_number"
	PromptCallbackConfirm = "callback_confirm"
)

// Digits returns the prompts saying a phone number digit by digit ("+" and
// other non-digits are not said).
func (s *Speaker) Digits(number string) []string {
	var out []string
	for _, r := range number {
		if r >= '0' && r <= '9' {
			out = append(out, string(r))
		}
	}
	return out
}
