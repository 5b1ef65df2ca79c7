//go:build !unix

package server

// softOpenFilesLimit is not known here.
func softOpenFilesLimit() (uint64, bool) { return 0, false }
