// The rooms' PJSIP configuration (pjsip_rooms.conf, included by asterisk-conf/pjsip.conf), made from the
// hotel's rooms (hotel.rooms) so that no endpoint is written by hand: per room an endpoint, an auth and
// an aor on the [room], [room-auth] and [room-aor] templates, with the message-lamp mailbox of the
// engine's voicemail (voicemail.mwiContext) on the endpoint and the aor.

export interface RoomsConfOptions {
  /** The room extensions, in order (a RoomSet iterates them). */
  rooms: Iterable<string>;
  password: (room: string) => string;
  /** voicemail.mwiContext: mailboxes = <room>@<this>. */
  mwiContext: string;
  /** Comment lines at the top (without the leading "; "). */
  header?: string[];
}

export function roomsConf(o: RoomsConfOptions): string {
  const out: string[] = [
    ...(o.header ?? []).map((l) => `; ${l}`.trimEnd()),
    ...(o.header?.length ? [''] : []),
  ];
  for (const room of o.rooms) {
    if (!/^\d{1,10}$/.test(room)) throw new Error(`room "${room}" is not an extension`);
    const password = o.password(room);
    // A password is written verbatim into the file: nothing that could end the line or start a comment.
    if (!/^[A-Za-z0-9._~@%+=:,/-]{8,128}$/.test(password))
      throw new Error(`the SIP password of room ${room} has characters a config file cannot hold`);
    out.push(
      `[${room}](room)`,
      `auth = ${room}-auth`,
      `aors = ${room}`,
      `callerid = "Room ${room}" <${room}>`,
      `mailboxes = ${room}@${o.mwiContext}`,
      `[${room}-auth](room-auth)`,
      `username = ${room}`,
      `password = ${password}`,
      `[${room}](room-aor)`,
      `mailboxes = ${room}@${o.mwiContext}`,
      '',
    );
  }
  return out.join('\n');
}
