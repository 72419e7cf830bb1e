/// Messages shaped like what real CPEs send.
enum Samples {
    /// A Huawei-style BOOT Inform: cwmp-1-0, `SOAP-ENV` prefixes, header with ID.
    static let huaweiInform = """
        <?xml version="1.0" encoding="UTF-8"?>
        <SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" xmlns:SOAP-ENC="http://schemas.xmlsoap.org/soap/encoding/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:cwmp="urn:dslforum-org:cwmp-1-0">
        <SOAP-ENV:Header><cwmp:ID SOAP-ENV:mustUnderstand="1">42</cwmp:ID></SOAP-ENV:Header>
        <SOAP-ENV:Body><cwmp:Inform>
        <DeviceId><Manufacturer>Huawei Technologies Co., Ltd.</Manufacturer><OUI>00259E</OUI><ProductClass>EG8145V5</ProductClass><SerialNumber>48575443A94196A5</SerialNumber></DeviceId>
        <Event SOAP-ENC:arrayType="cwmp:EventStruct[2]"><EventStruct><EventCode>1 BOOT</EventCode><CommandKey></CommandKey></EventStruct><EventStruct><EventCode>M Reboot</EventCode><CommandKey>reboot-7</CommandKey></EventStruct></Event>
        <MaxEnvelopes>1</MaxEnvelopes><CurrentTime>2023-03-28T15:43:35+03:00</CurrentTime><RetryCount>0</RetryCount>
        <ParameterList SOAP-ENC:arrayType="cwmp:ParameterValueStruct[3]">
        <ParameterValueStruct><Name>InternetGatewayDevice.DeviceInfo.SoftwareVersion</Name><Value xsi:type="xsd:string">V5R019C10S125</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>InternetGatewayDevice.ManagementServer.ConnectionRequestURL</Name><Value xsi:type="xsd:string">http://10.1.2.3:7547/cr</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>InternetGatewayDevice.ManagementServer.ParameterKey</Name><Value xsi:type="xsd:string"></Value></ParameterValueStruct>
        </ParameterList></cwmp:Inform></SOAP-ENV:Body></SOAP-ENV:Envelope>
        """

    /// A cheap-router Inform: cwmp-1-2 declared on the method, no Header, single-quoted attributes,
    /// odd-case event code, an arrayType count that lies, an empty value and a missing xsi:type.
    static let quirkyInform = """
        <soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/' xmlns:enc='http://schemas.xmlsoap.org/soap/encoding/'>
        <soap:Body><c:Inform xmlns:c='urn:dslforum-org:cwmp-1-2'>
        <DeviceId><Manufacturer>TP-Link</Manufacturer><OUI>1C61B4</OUI><ProductClass>EX220</ProductClass><SerialNumber>2226469000523</SerialNumber></DeviceId>
        <Event enc:arrayType='c:EventStruct[5]'><EventStruct><EventCode>1 Boot</EventCode><CommandKey/></EventStruct><EventStruct><EventCode>0  bootstrap</EventCode></EventStruct></Event>
        <MaxEnvelopes>1</MaxEnvelopes><CurrentTime>2024-01-02T03:04:05</CurrentTime><RetryCount>2</RetryCount>
        <ParameterList enc:arrayType='c:ParameterValueStruct[9]'>
        <ParameterValueStruct><Name>Device.DeviceInfo.HardwareVersion</Name><Value>1.0 &amp; rev &lt;A&gt;</Value></ParameterValueStruct>
        <ParameterValueStruct><Name>Device.ManagementServer.ParameterKey</Name><Value xsi:type='xsd:string'/></ParameterValueStruct>
        </ParameterList></c:Inform></soap:Body></soap:Envelope>
        """

    /// A SOAP Fault answering SetParameterValues.
    static let setFault = """
        <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-1">
        <soapenv:Header><cwmp:ID soapenv:mustUnderstand="1">acs-3</cwmp:ID></soapenv:Header>
        <soapenv:Body><soapenv:Fault><faultcode>Client</faultcode><faultstring>CWMP fault</faultstring>
        <detail><cwmp:Fault><FaultCode>9003</FaultCode><FaultString>Invalid arguments</FaultString>
        <SetParameterValuesFault><ParameterName>Device.WiFi.SSID.1.SSID</ParameterName><FaultCode>9007</FaultCode><FaultString>Invalid value</FaultString></SetParameterValuesFault>
        </cwmp:Fault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>
        """

    /// A billion-laughs bomb.
    static let bomb = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
        <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>&lol2;</soap:Body></soap:Envelope>
        """

    /// An external-entity probe.
    static let xxe = """
        <?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
        <soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><x>&xxe;</x></soap:Body></soap:Envelope>
        """
}
