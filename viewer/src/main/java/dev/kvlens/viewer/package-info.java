/**
 * Reusable JavaFX views of a KV Lens session, fed only by the event records of
 * {@code dev.kvlens.inference.session.event}: they never reach into the engine.
 */
package dev.kvlens.viewer;
