package dev.kvlens.inference.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A CSV file read by the tests as header-keyed rows (RFC 4180 quoting), written apart from the code that writes it. */
record CsvTable(List<String> header, List<Map<String, String>> rows) {

    static CsvTable read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<List<String>> lines = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\n') {
                row.add(field.toString());
                field.setLength(0);
                lines.add(row);
                row = new ArrayList<>();
            } else {
                field.append(c);
            }
        }
        if (!field.isEmpty() || !row.isEmpty()) {
            row.add(field.toString());
            lines.add(row);
        }
        List<String> header = lines.getFirst();
        List<Map<String, String>> rows = new ArrayList<>();
        for (List<String> l : lines.subList(1, lines.size())) {
            if (l.size() != header.size()) {
                throw new IllegalStateException(file + ": a row has " + l.size() + " fields, the header " + header.size());
            }
            Map<String, String> m = new TreeMap<>();
            for (int i = 0; i < header.size(); i++) {
                m.put(header.get(i), l.get(i));
            }
            rows.add(m);
        }
        return new CsvTable(header, rows);
    }
}
