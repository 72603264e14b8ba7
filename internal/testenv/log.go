package testenv

import (
	"os"

	"go.uber.org/zap/zapcore"
)

// Controllers are quiet in tests unless TEST_DEBUG is set.
func zapLevel() zapcore.Level {
	if os.Getenv("TEST_DEBUG") != "" {
		return zapcore.DebugLevel
	}
	return zapcore.ErrorLevel
}
