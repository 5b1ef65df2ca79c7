package media

import (
	"embed"
	"io/fs"
)

// promptFiles holds the generated prompt sets (scripts/prompts/generate.sh).
// An embed.FS is read-only.
//
//go:embed prompts/fr/*.wav prompts/en/*.wav prompts/moh.wav
var promptFiles embed.FS

// Prompts returns the embedded prompt sets: fr/*.wav, en/*.wav (8 kHz mono
// 16-bit PCM, named as the Speaker expects) and moh.wav, the music on hold.
func Prompts() fs.FS {
	sub, err := fs.Sub(promptFiles, "prompts")
	if err != nil {
		panic("media: embedded prompts: " + err.Error()) // unreachable: "prompts" is a valid path
	}
	return sub
}

// MusicOnHold is the name of the music-on-hold file in Prompts.
const MusicOnHold = "moh.wav"

// LoadMusicOnHold returns the music of fsys (see Prompts) looping forever.
func LoadMusicOnHold(fsys fs.FS) (*Loop, error) {
	s, err := LoadWAV(fsys, MusicOnHold)
	if err != nil {
		return nil, err
	}
	return NewLoop(s, 0), nil
}
