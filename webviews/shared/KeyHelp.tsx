// The `?` help overlay of a panel: its keymap's rows, then rows for the mouse; a click closes it.

export interface HelpRow {
  label: string;
  description: string;
}

export function KeyHelp(props: { keys: readonly HelpRow[]; mouse: readonly HelpRow[]; onClose: () => void }) {
  return (
    <div className="help" data-testid="help" onClick={props.onClose}>
      <h2>Keys</h2>
      <table>
        <tbody>
          {props.keys.map((row) => (
            <tr key={row.label}>
              <td><kbd>{row.label}</kbd></td>
              <td>{row.description}</td>
            </tr>
          ))}
          {props.mouse.map((row) => (
            <tr key={row.label}>
              <td>{row.label}</td>
              <td>{row.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
