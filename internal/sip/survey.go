package sip

import (
	"context"
	"time"

	"github.com/plateau-cc/plateau/internal/live"
	"github.com/plateau-cc/plateau/internal/media"
)

// The voice satisfaction survey (live.VoiceSurveyor): once the agent hangs
// up, a queue with voice_survey asks the caller to rate the call on the
// keypad, 1 to 5. Any other key or surveyTimeout of silence after the
// question ends it without a rating; the caller may hang up at any time.

// surveyTimeout is how long the survey waits for a key after its question.
const surveyTimeout = 10 * time.Second

// agentGoneWait is how long a caller whose agent hung up stays on the line
// for the center's word (a survey, or the end of the call).
const agentGoneWait = 5 * time.Second

// Survey: the conversation is over; ask the caller to rate it.
func (c *call) Survey() { c.push(callEvent{kind: evSurvey}) }

var _ live.VoiceSurveyor = (*call)(nil)

// surveyEvent handles evSurvey, evSurveyTimeout and evAgentGone (run
// goroutine); true when the call is over.
func (c *call) surveyEvent(ev callEvent) bool {
	switch ev.kind {
	case evSurvey:
		if c.callerGone || c.customer != nil {
			c.byeAll()
			return true
		}
		c.unbridge()
		c.bridged = false
		if c.leg != nil {
			c.leg.stop()
			c.leg = nil
		}
		c.surveying = true
		c.surveySeq++
		seq := c.surveySeq
		return c.sayThen(func() bool {
			time.AfterFunc(surveyTimeout, func() { c.push(callEvent{kind: evSurveyTimeout, code: seq}) })
			return false
		}, media.PromptSurvey)
	case evSurveyTimeout:
		if !c.surveying || ev.code != c.surveySeq {
			return false
		}
		c.byeAll()
		return true
	case evAgentGone:
		// The agent's phone hung up; the center said nothing within
		// agentGoneWait: the call is over.
		if c.surveying || ev.code != c.surveySeq {
			return false
		}
		c.byeAll()
		return true
	}
	return false
}

// surveyDigit takes the caller's rating: 1 to 5 is stored, then thanks and
// goodbye; any other key ends the survey without a rating.
func (c *call) surveyDigit(k rune) bool {
	c.surveying = false
	c.surveySeq++
	if k < '1' || k > '5' {
		c.byeAll()
		return true
	}
	ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
	defer cancel()
	if err := c.s.centerOf(c.tenant).VoiceSurvey(ctx, c.tenant, c.id, int(k-'0')); err != nil {
		c.s.log.Warn("sip: store the caller's rating", "contact", c.id, "err", err)
	}
	return c.sayThen(func() bool {
		c.byeAll()
		return true
	}, media.PromptSurveyThanks)
}
