package tui

import "github.com/charmbracelet/lipgloss"

// Colours are ANSI 16 so they follow the operator's terminal theme.
var (
	colorWarn  = lipgloss.Color("3") // yellow
	colorBad   = lipgloss.Color("1") // red
	colorGood  = lipgloss.Color("2") // green
	colorInfo  = lipgloss.Color("6") // cyan
	colorMuted = lipgloss.Color("8") // grey

	styleTitle    = lipgloss.NewStyle().Bold(true).Foreground(colorInfo)
	styleLabel    = lipgloss.NewStyle().Foreground(colorMuted)
	styleValue    = lipgloss.NewStyle().Bold(true)
	styleWrite    = lipgloss.NewStyle().Bold(true).Reverse(true).Foreground(colorWarn)
	styleReadOnly = lipgloss.NewStyle().Bold(true).Foreground(colorGood)
	styleBad      = lipgloss.NewStyle().Foreground(colorBad)
	styleBadBold  = lipgloss.NewStyle().Foreground(colorBad).Bold(true)
	styleGood     = lipgloss.NewStyle().Foreground(colorGood)
	styleWarn     = lipgloss.NewStyle().Foreground(colorWarn)
	styleBanner   = lipgloss.NewStyle().Bold(true).Reverse(true).Foreground(colorBad)
	styleMuted    = lipgloss.NewStyle().Foreground(colorMuted)
	styleCrumb    = lipgloss.NewStyle().Bold(true).Reverse(true).Foreground(colorInfo)
	styleKey      = lipgloss.NewStyle().Bold(true).Foreground(colorInfo)
	// styleMarker ends a line cut at the screen's edge.
	styleMarker       = lipgloss.NewStyle().Bold(true).Foreground(colorWarn)
	styleMatch        = lipgloss.NewStyle().Reverse(true)
	styleMatchCurrent = lipgloss.NewStyle().Reverse(true).Bold(true).Foreground(colorWarn)
)
