package dev.kvlens.inference.session;

import dev.kvlens.inference.session.event.SessionEvent;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32;

/**
 * Writes a recording (format in docs/recording-format.md) event by event into a temporary file
 * beside the target; {@link #finish()} adds the end record, forces it to disk and renames it onto
 * the target in one step, so the target is either the old file or a complete new recording.
 */
public final class RecordingWriter implements AutoCloseable {

    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final DataOutputStream out;
    private long events;
    private boolean done;

    public RecordingWriter(Path target) throws IOException {
        this.target = target.toAbsolutePath();
        Path dir = this.target.getParent();
        Files.createDirectories(dir);
        this.temp = Files.createTempFile(dir, "." + this.target.getFileName(), ".tmp");
        this.channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        OutputStream raw = Channels.newOutputStream(channel);
        this.out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16));
        out.write(Recording.MAGIC);
        out.writeInt(SessionEvent.FORMAT_VERSION);
    }

    /** Appends one event. */
    public void write(SessionEvent event) throws IOException {
        record(RecordingCodec.tag(event), RecordingCodec.encode(event));
        events++;
    }

    private void record(int tag, byte[] payload) throws IOException {
        out.writeByte(tag);
        out.writeInt(payload.length);
        out.write(payload);
        CRC32 crc = new CRC32();
        crc.update(tag);
        crc.update(payload);
        out.writeInt((int) crc.getValue());
    }

    public long events() {
        return events;
    }

    /** Ends the recording and moves it onto the target atomically. */
    public Path finish() throws IOException {
        if (done) {
            return target;
        }
        done = true;
        try {
            byte[] count = java.nio.ByteBuffer.allocate(8).putLong(events).array();
            record(RecordingCodec.END, count);
            out.flush();
            channel.force(true);
            out.close();
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    /** Abandons an unfinished recording: the temporary file goes, the target is untouched. */
    @Override
    public void close() throws IOException {
        if (!done) {
            done = true;
            out.close();
            Files.deleteIfExists(temp);
        }
    }
}
