/** The KV Lens application: main window, controls, scenarios and settings, wiring sessions to views. */
package dev.kvlens.app;
