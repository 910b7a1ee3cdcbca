package journal

import (
	"path/filepath"
	"time"
)

// Start creates the journal of one run's writes, as the CLI and the TUI
// both name it: the new file at path when one is given (--journal), else
// Name(now, command) in dir (--journal-dir; DefaultDir when ""). command
// names the file, info.Command is what its begin entry says of the run.
func Start(path, dir string, now time.Time, command string, info Info) (*Journal, error) {
	if path == "" {
		if dir == "" {
			dir = DefaultDir()
		}
		path = filepath.Join(dir, Name(now, command))
	}
	return Create(path, info)
}
