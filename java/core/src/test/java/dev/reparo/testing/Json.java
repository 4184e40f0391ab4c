package dev.reparo.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal JSON reader for the fixtures' {@code info.json}: objects become maps, arrays lists,
 * numbers doubles. Enough for test metadata; not a general-purpose parser.
 */
public final class Json {
  private final String s;
  private int at;

  private Json(String s) {
    this.s = s;
  }

  public static Object parse(String text) {
    Json j = new Json(text);
    Object v = j.value();
    j.space();
    if (j.at != text.length()) {
      throw new IllegalArgumentException("trailing characters at " + j.at);
    }
    return v;
  }

  private Object value() {
    space();
    char c = s.charAt(at);
    switch (c) {
      case '{' -> {
        Map<String, Object> m = new LinkedHashMap<>();
        at++;
        space();
        if (s.charAt(at) == '}') {
          at++;
          return m;
        }
        while (true) {
          space();
          String key = string();
          space();
          expect(':');
          m.put(key, value());
          space();
          if (s.charAt(at++) == '}') {
            return m;
          }
        }
      }
      case '[' -> {
        List<Object> l = new ArrayList<>();
        at++;
        space();
        if (s.charAt(at) == ']') {
          at++;
          return l;
        }
        while (true) {
          l.add(value());
          space();
          if (s.charAt(at++) == ']') {
            return l;
          }
        }
      }
      case '"' -> {
        return string();
      }
      default -> {
        for (String word : new String[] {"true", "false", "null"}) {
          if (s.startsWith(word, at)) {
            at += word.length();
            return word.equals("null") ? null : Boolean.valueOf(word);
          }
        }
        int start = at;
        while (at < s.length() && "+-0123456789.eE".indexOf(s.charAt(at)) >= 0) {
          at++;
        }
        return Double.parseDouble(s.substring(start, at));
      }
    }
  }

  private String string() {
    expect('"');
    StringBuilder sb = new StringBuilder();
    while (true) {
      char c = s.charAt(at++);
      if (c == '"') {
        return sb.toString();
      }
      if (c == '\\') {
        char e = s.charAt(at++);
        switch (e) {
          case 'n' -> sb.append('\n');
          case 't' -> sb.append('\t');
          case 'u' -> {
            sb.append((char) Integer.parseInt(s.substring(at, at + 4), 16));
            at += 4;
          }
          default -> sb.append(e);
        }
      } else {
        sb.append(c);
      }
    }
  }

  private void expect(char c) {
    if (s.charAt(at++) != c) {
      throw new IllegalArgumentException("expected '" + c + "' at " + (at - 1));
    }
  }

  private void space() {
    while (at < s.length() && Character.isWhitespace(s.charAt(at))) {
      at++;
    }
  }
}
