package dev.kvlens.inference.session;

import dev.kvlens.inference.ModelFileException;
import dev.kvlens.inference.session.event.SessionEvent;
import dev.kvlens.inference.session.event.SessionStarted;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * A saved session: its events, readable without the model. Format: docs/recording-format.md.
 *
 * @param version the format version the file was written with
 * @param events  the events in the order they were recorded
 */
public record Recording(int version, List<SessionEvent> events) {

    /** First bytes of every recording. */
    static final byte[] MAGIC = {'K', 'V', 'L', 'R', 'E', 'C'};

    /** Largest record payload accepted, far above any real record (a 1M-entry frame is 8 MB). */
    static final int MAX_PAYLOAD = 1 << 28;

    public Recording {
        events = List.copyOf(events);
    }

    /** Writes {@code events} to {@code target} atomically. */
    public static Path write(Path target, List<? extends SessionEvent> events) throws IOException {
        try (RecordingWriter w = new RecordingWriter(target)) {
            for (SessionEvent e : events) {
                w.write(e);
            }
            return w.finish();
        }
    }

    /**
     * Reads a whole recording.
     *
     * @throws ModelFileException naming the file and byte offset when it is not a recording, is of a
     *                            newer version, is corrupt or is truncated
     */
    public static Recording read(Path file) {
        List<SessionEvent> events = new ArrayList<>();
        int version = replay(file, events::add);
        return new Recording(version, events);
    }

    /**
     * Hands each event to {@code sink} as it is read (for recordings too large to hold).
     *
     * @return the file's format version
     */
    public static int replay(Path file, Consumer<SessionEvent> sink) {
        long size;
        try {
            if (Files.isDirectory(file)) {
                throw new ModelFileException(file, "is a folder, not a recording");
            }
            size = Files.size(file);
        } catch (IOException e) {
            throw new ModelFileException(file, "cannot read: " + e.getMessage(), e);
        }
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            byte[] magic = new byte[MAGIC.length];
            if (in.readNBytes(magic, 0, magic.length) < magic.length || !Arrays.equals(magic, MAGIC)) {
                throw new ModelFileException(file, 0, "not a KV Lens recording (it does not start with KVLREC)");
            }
            long offset = magic.length;
            int version = readInt(in, file, offset, "the format version");
            if (version > SessionEvent.FORMAT_VERSION) {
                throw new ModelFileException(file, offset, "recording format version " + version
                        + " is newer than this KV Lens reads (" + SessionEvent.FORMAT_VERSION + "); update KV Lens");
            }
            if (version < 1) {
                throw new ModelFileException(file, offset, "recording format version " + version + " is not valid");
            }
            offset += 4;
            long count = 0;
            while (true) {
                long recordStart = offset;
                int tag = in.read();
                if (tag < 0) {
                    throw new ModelFileException(file, recordStart, "truncated: the recording ends after " + count
                            + " events without its end record");
                }
                int length = readInt(in, file, recordStart, "a record length");
                long left = size - recordStart - 1 - 4;
                if (length < 0 || length > MAX_PAYLOAD || length + 4L > left) {
                    throw new ModelFileException(file, recordStart, (length < 0 || length > MAX_PAYLOAD
                            ? "corrupt: a " + RecordingCodec.name(tag) + " record claims " + length + " bytes"
                            : "truncated: a " + RecordingCodec.name(tag) + " record of " + length
                            + " bytes does not fit in the " + Math.max(0, left) + " bytes left"));
                }
                byte[] payload = new byte[length];
                in.readFully(payload);
                int stored = in.readInt();
                CRC32 crc = new CRC32();
                crc.update(tag);
                crc.update(payload);
                if ((int) crc.getValue() != stored) {
                    throw new ModelFileException(file, recordStart, "corrupt: the checksum of record " + count
                            + " (" + RecordingCodec.name(tag) + ") does not match");
                }
                offset = recordStart + 1 + 4 + length + 4;
                if (tag == RecordingCodec.END) {
                    if (length != 8 || ByteBuffer.wrap(payload).getLong() != count) {
                        throw new ModelFileException(file, recordStart, "corrupt: the end record does not say "
                                + count + " events");
                    }
                    if (offset != size) {
                        throw new ModelFileException(file, offset, (size - offset)
                                + " bytes follow the end record");
                    }
                    return version;
                }
                SessionEvent event;
                try {
                    event = RecordingCodec.decode(tag, payload);
                } catch (RecordingCodec.MalformedRecordException e) {
                    throw new ModelFileException(file, recordStart, "corrupt: record " + count + ": " + e.getMessage());
                }
                if (count == 0 && !(event instanceof SessionStarted)) {
                    throw new ModelFileException(file, recordStart, "the first record is a "
                            + RecordingCodec.name(tag) + ", not SessionStarted");
                }
                sink.accept(event);
                count++;
            }
        } catch (EOFException e) {
            throw new ModelFileException(file, size, "truncated: the file ends inside a record");
        } catch (IOException e) {
            throw new ModelFileException(file, "cannot read: " + e.getMessage(), e);
        }
    }

    private static int readInt(DataInputStream in, Path file, long offset, String what) throws IOException {
        try {
            return in.readInt();
        } catch (EOFException e) {
            throw new ModelFileException(file, offset, "truncated: the file ends before " + what);
        }
    }
}
