// Package console is Vigil's web console: server-rendered pages at /console
// on the API listener for schedules, runs, alerts, notifications, health,
// trading bots and preferences (html/template, assets embedded, no CDN).
//
// A browser logs in with an API token (checked by the API's own
// authentication, passed in as Options.Authenticate) or a single-use login
// code; either opens a server-side session whose random id the HttpOnly,
// SameSite=Strict cookie holds (only its hash is stored). Every read is
// owner-scoped in SQL (admins see every user's, with an owner filter) and
// every change is a POST carrying the session's CSRF token that goes through
// the same service the API uses (package schedules, package tradingbot,
// package userprefs), so validation, audit rows and scoping are the API's.
// Charts are package report's PNGs (an alert's symbol with its fires, a
// bot's equity curve), rendered on request and cached until their data
// changes; an alert's backtest is package alertbacktest's.
//
// It must not import package api (the API mounts the console, not the
// other way round).
package console
