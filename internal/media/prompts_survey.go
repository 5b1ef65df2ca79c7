package media

// Prompts of the voice satisfaction survey: "to rate our service, press a
// key from 1 to 5", then thanks and goodbye.
const (
	PromptSurvey       = "survey"
	PromptSurveyThanks = "survey_thanks"
)
